"""Writing generated history (app/history.py) as rows, in the order their foreign keys need."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.tables.catalog import items
from app.store.tables.orders import fulfillment_lines, fulfillments, order_events, order_lines, orders
from app.store.tables.picking import pick_lines, pick_lists

ORDER: tuple[Table, ...] = (orders, order_lines, fulfillments, fulfillment_lines, pick_lists, pick_lines, order_events)
BATCH = 5000


async def insert(conn: AsyncConnection, rows: Mapping[str, Sequence[dict[str, Any]]]) -> None:
    for table in ORDER:
        found = rows.get(table.name, ())
        for start in range(0, len(found), BATCH):
            await conn.execute(table.insert(), list(found[start : start + BATCH]))


async def first_skus(conn: AsyncConnection, limit: int) -> list[str]:
    sku = items.c.sku
    return [row[0] for row in await conn.execute(select(sku).order_by(sku).limit(limit))]
