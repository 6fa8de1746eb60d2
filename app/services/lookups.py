"""Batched reads behind the GraphQL dataloaders: one short read per batch."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from app.store import catalog
from app.store import fulfillments as fulfillment_store
from app.store import orders as order_store
from app.store import pick_processes as pick_process_store
from app.store import pick_stats as pick_stats_store
from app.store.db import Database
from domain.items import Item
from domain.locations import Location
from domain.orders import Fulfillment, Order, OrderEvent, OrderStatus
from domain.picking import FulfillmentProgress, PickProcess, StoreRecord


async def locations_by_id(db: Database, ids: Sequence[str]) -> list[Location | None]:
    async with db.read() as conn:
        found = await catalog.locations_by_id(conn, ids)
    return [found.get(i) for i in ids]


async def items_by_sku(db: Database, skus: Sequence[str]) -> list[Item | None]:
    async with db.read() as conn:
        found = await catalog.items_by_sku(conn, skus)
    return [found.get(s) for s in skus]


async def orders_by_id(db: Database, ids: Sequence[str]) -> list[Order | None]:
    async with db.read() as conn:
        found = await order_store.orders_by_id(conn, ids)
    return [found.get(i) for i in ids]


async def fulfillments_by_order(db: Database, ids: Sequence[str]) -> list[list[Fulfillment]]:
    async with db.read() as conn:
        found = await fulfillment_store.fulfillments_for_orders(conn, ids)
    return [found.get(i, []) for i in ids]


async def events_by_order(db: Database, ids: Sequence[str]) -> list[list[OrderEvent]]:
    async with db.read() as conn:
        found = await order_store.events_for_orders(conn, ids)
    return [found.get(i, []) for i in ids]


async def order_page(
    db: Database,
    *,
    first: int,
    after: tuple[datetime, str] | None,
    status: OrderStatus | None,
    customer_id: str | None,
    location_ids: frozenset[str] | None = None,
    channels: frozenset[str] | None = None,
) -> list[tuple[str, datetime]]:
    """(order id, created at) newest first after the (created at, id) cursor; one extra row means a next page.

    `location_ids` / `channels` (None: any) keep the orders a location- or channel-bound caller may see.
    """
    key = order_store.PageKey(*after) if after else None
    async with db.read() as conn:
        return await order_store.page(
            conn,
            first=first,
            after=key,
            status=status,
            customer_id=customer_id,
            location_ids=location_ids,
            channels=channels,
        )


async def progress_by_fulfillment(db: Database, ids: Sequence[str]) -> list[FulfillmentProgress | None]:
    async with db.read() as conn:
        found = await fulfillment_store.progress_by_fulfillment(conn, ids)
    return [found.get(i) for i in ids]


async def store_records(db: Database, ids: Sequence[str]) -> list[StoreRecord]:
    async with db.read() as conn:
        found = await pick_stats_store.records(conn, ids)
    return [found.get(i, StoreRecord()) for i in ids]


async def pick_processes(db: Database, ids: Sequence[str]) -> list[PickProcess | None]:
    async with db.read() as conn:
        found = await pick_process_store.processes_by_id(conn, ids)
    return [found.get(i) for i in ids]
