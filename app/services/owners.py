"""Owners of rows by id, for access checks of location- and channel-bound principals.

Orders are owned by the locations of their fulfillments (an order split over
two stores is visible at both) and by their sales channel.
"""

from __future__ import annotations

from app.store import owners as store
from app.store.db import Database
from domain.access import Owner
from domain.orders import Fulfillment, Order


def of_order(order: Order, fulfillments: list[Fulfillment]) -> Owner:
    return Owner(frozenset(f.location_id for f in fulfillments), order.channel)


async def of_fulfillment(db: Database, fulfillment_id: str) -> Owner | None:
    async with db.read() as conn:
        return await store.fulfillment(conn, fulfillment_id)


async def of_pick_list(db: Database, list_id: str) -> Owner | None:
    async with db.read() as conn:
        return await store.pick_list(conn, list_id)


async def of_task(db: Database, task_id: str) -> Owner | None:
    async with db.read() as conn:
        return await store.task(conn, task_id)
