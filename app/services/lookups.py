"""Batched reads behind the GraphQL dataloaders: one short read per batch."""

from __future__ import annotations

from collections.abc import Sequence

from app.store import catalog
from app.store.db import Database
from domain.items import Item
from domain.locations import Location


async def locations_by_id(db: Database, ids: Sequence[str]) -> list[Location | None]:
    async with db.read() as conn:
        found = await catalog.locations_by_id(conn, ids)
    return [found.get(i) for i in ids]


async def items_by_sku(db: Database, skus: Sequence[str]) -> list[Item | None]:
    async with db.read() as conn:
        found = await catalog.items_by_sku(conn, skus)
    return [found.get(s) for s in skus]
