"""Who owns a row, for row-level access checks: the location and channel behind an id."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.tables.orders import fulfillments, orders
from app.store.tables.picking import pick_lists
from app.store.tables.tasks import tasks
from domain.access import Owner


async def fulfillment(conn: AsyncConnection, fulfillment_id: str) -> Owner | None:
    query = (
        select(fulfillments.c.location_id, orders.c.channel)
        .join(orders, orders.c.id == fulfillments.c.order_id)
        .where(fulfillments.c.id == fulfillment_id)
    )
    row = (await conn.execute(query)).first()
    return Owner(frozenset({row.location_id}), row.channel) if row else None


async def task(conn: AsyncConnection, task_id: str) -> Owner | None:
    row = (await conn.execute(select(tasks.c.location_id).where(tasks.c.id == task_id))).first()
    if row is None:
        return None
    return Owner(frozenset({row.location_id}) if row.location_id else frozenset())


async def pick_list(conn: AsyncConnection, list_id: str) -> Owner | None:
    row = (await conn.execute(select(pick_lists.c.location_id).where(pick_lists.c.id == list_id))).first()
    return Owner(frozenset({row.location_id})) if row else None
