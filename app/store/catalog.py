"""Queries for locations and items (the network and the assortment)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store import rows, versions
from app.store.sql import upsert
from app.store.tables.catalog import item_barcodes, items, locations
from domain.items import Item
from domain.locations import Location


async def save_locations(conn: AsyncConnection, batch: Sequence[Location], now: datetime) -> None:
    if not batch:
        return
    stmt = upsert(conn, locations)
    values = [rows.location_to_row(loc) | {"updated_at": now} for loc in batch]
    update_cols = {c: stmt.excluded[c] for c in values[0] if c != "id"}
    # a feed that does not name the time zone keeps the one set before (by a pickup slot policy, say)
    update_cols["timezone"] = func.coalesce(stmt.excluded.timezone, locations.c.timezone)
    await conn.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=update_cols), values)
    await versions.bump(conn, versions.LOCATIONS)


async def set_location_active(conn: AsyncConnection, location_id: str, active: bool, now: datetime) -> bool:
    """Open or close a location; True when it changed. Every replica's cache reloads it at its next read."""
    c = locations.c
    stmt = update(locations).where(c.id == location_id, c.active.is_not(active)).values(active=active, updated_at=now)
    if (await conn.execute(stmt)).rowcount != 1:
        return False
    await versions.bump(conn, versions.LOCATIONS)
    return True


async def locations_by_id(conn: AsyncConnection, ids: Iterable[str]) -> dict[str, Location]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    result = await conn.execute(select(locations).where(locations.c.id.in_(wanted)))
    return {row.id: rows.location_from_row(row) for row in result}


async def all_locations(conn: AsyncConnection) -> list[Location]:
    result = await conn.execute(select(locations).order_by(locations.c.id))
    return [rows.location_from_row(row) for row in result]


async def existing_location_ids(conn: AsyncConnection, ids: Iterable[str]) -> set[str]:
    wanted = list(set(ids))
    if not wanted:
        return set()
    result = await conn.execute(select(locations.c.id).where(locations.c.id.in_(wanted)))
    return set(result.scalars())


async def barcode_owners(conn: AsyncConnection, barcodes: Iterable[str]) -> dict[str, str]:
    wanted = list(set(barcodes))
    if not wanted:
        return {}
    result = await conn.execute(
        select(item_barcodes.c.barcode, item_barcodes.c.sku).where(item_barcodes.c.barcode.in_(wanted))
    )
    return {row.barcode: row.sku for row in result}


async def save_items(conn: AsyncConnection, batch: Sequence[Item], now: datetime) -> None:
    if not batch:
        return
    stmt = upsert(conn, items)
    values = [
        {
            "sku": i.sku,
            "category": i.category,
            "zone": i.zone,
            "barcodes": list(i.barcodes),
            "release_at": i.release_at,
            "preorder_limit": i.preorder_limit,
            "updated_at": now,
        }
        for i in batch
    ]
    # releaseAt and preorderLimit are set as given (null clears them); the pre-order counter is never touched.
    # A moved release closes the general sale again until the release job has served the pre-orders.
    kept = ("category", "zone", "barcodes", "release_at", "preorder_limit", "updated_at")
    update_cols: dict[str, Any] = {c: stmt.excluded[c] for c in kept}
    moved = items.c.release_at.is_distinct_from(stmt.excluded.release_at)
    update_cols["sale_opened_at"] = case((moved, None), else_=items.c.sale_opened_at)
    await conn.execute(stmt.on_conflict_do_update(index_elements=["sku"], set_=update_cols), values)
    skus = [i.sku for i in batch]
    await conn.execute(delete(item_barcodes).where(item_barcodes.c.sku.in_(skus)))
    codes = [{"barcode": code, "sku": i.sku} for i in batch for code in i.barcodes]
    if codes:
        await conn.execute(item_barcodes.insert(), codes)


async def items_by_sku(conn: AsyncConnection, skus: Iterable[str]) -> dict[str, Item]:
    wanted = list(set(skus))
    if not wanted:
        return {}
    result = await conn.execute(select(items).where(items.c.sku.in_(wanted)))
    return {row.sku: rows.item_from_row(row) for row in result}


async def count_locations(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.count()).select_from(locations))).scalar_one())
