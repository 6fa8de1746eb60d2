"""Writing generated history (app/history.py) as rows, in the order their foreign keys need."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store import positions as position_store
from app.store.tables.catalog import items
from app.store.tables.inventory import positions
from app.store.tables.ledger import inventory_ledger
from app.store.tables.orders import fulfillment_lines, fulfillments, order_events, order_lines, orders
from app.store.tables.picking import pick_lines, pick_lists
from domain.inventory import InventoryUpdate

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


async def positions_of(
    conn: AsyncConnection, keys: Sequence[tuple[str, str]], now: datetime
) -> dict[tuple[str, str], Any]:
    """Today's positions of these SKUs at these locations (location, sku); a position the history drew from
    that the demo stock lacks is made first, empty (it sold out)."""
    skus, locations = sorted({k[1] for k in keys}), sorted({k[0] for k in keys})
    p = positions.c
    query = select(
        p.sku, p.location_id, p.on_hand, p.reserved, p.inbound, p.inbound_eta, p.inbound_promised, p.last_source
    ).where(p.sku.in_(skus), p.location_id.in_(locations))
    found = {(r.location_id, r.sku): r for r in await conn.execute(query)}
    missing = [InventoryUpdate(sku, loc, 0, now) for loc, sku in sorted(set(keys) - set(found))]
    if missing:
        await position_store.insert_snapshots(conn, missing, "demo-seed", now)
        found |= {(r.location_id, r.sku): r for r in await conn.execute(query)}
    return found


async def replace_ledger(
    conn: AsyncConnection, scope: Sequence[tuple[str, str]], start: datetime, rows: Sequence[dict[str, Any]]
) -> None:
    """The demo stock counts from the history's start; the positions in scope get their past rows instead."""
    lg = inventory_ledger.c
    await conn.execute(update(inventory_ledger).where(lg.ref == "demo-seed", lg.at > start).values(at=start))
    skus, locations = sorted({k[1] for k in scope}), sorted({k[0] for k in scope})
    await conn.execute(delete(inventory_ledger).where(lg.sku.in_(skus), lg.location_id.in_(locations)))
    for at in range(0, len(rows), BATCH):
        await conn.execute(inventory_ledger.insert(), list(rows[at : at + BATCH]))
