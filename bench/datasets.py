"""Deterministic benchmark datasets written through the application's own services."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

from app import scale
from app.pubsub import InProcessBroker
from app.services import network
from app.services.uow import UnitOfWork
from app.store import migrate, positions
from app.store.db import Database
from domain.inventory import InventoryUpdate
from domain.items import Item
from domain.locations import Location

AS_OF = datetime(2026, 11, 1, tzinfo=UTC)


def bench_locations(count: int = 200) -> list[Location]:
    """The scale generator's locations (app/scale.py), each with a daily capacity of 100."""
    return [replace(x, daily_capacity=100) for x in scale.locations(count)]


async def seed_availability_dataset(url: str, *, locations: int = 200, skus: int = 2000, hot: int = 20) -> None:
    """`hot` SKUs stocked at every location, the rest at about a tenth of them."""
    db = Database(url)
    await migrate.upgrade(db)
    broker = InProcessBroker()
    locs = bench_locations(locations)
    await network.upsert_locations(UnitOfWork(db, broker), batch=locs)
    items = [Item(f"B-{n:05d}", f"cat-{n % 40}", (f"9{n:012d}",), "A") for n in range(skus)]
    await network.upsert_items(UnitOfWork(db, broker), batch=items)
    rng = random.Random(2)
    updates = [
        InventoryUpdate(item.sku, loc.id, rng.randint(0, 40), AS_OF)
        for index, item in enumerate(items)
        for loc in locs
        if index < hot or rng.random() < 0.1
    ]
    async with db.write() as conn:
        for start in range(0, len(updates), 5000):
            await positions.insert_snapshots(conn, updates[start : start + 5000], "bench", AS_OF)
    await db.dispose()
