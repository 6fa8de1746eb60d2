"""Use case: load the demo network into an empty database."""

from __future__ import annotations

import itertools

from app import demo
from app.services.uow import UnitOfWork
from app.store import affinity, catalog, picking, positions
from app.store.db import Database

BATCH = 5000


async def is_empty(db: Database) -> bool:
    async with db.read() as conn:
        return await catalog.count_locations(conn) == 0


async def seed_demo(uow: UnitOfWork, *, seed: int = 42, sku_count: int = 5000) -> dict[str, int]:
    """Write the demo locations, items and stock in one transaction."""
    network = demo.network(seed, sku_count)
    count = 0
    async with uow:
        for process in demo.PICK_PROCESSES:
            await picking.save_process(uow.conn, process, uow.now)
        await catalog.save_locations(uow.conn, network.locations, uow.now)
        for start in range(0, len(network.items), BATCH):
            await catalog.save_items(uow.conn, network.items[start : start + BATCH], uow.now)
        related = demo.relations(network, seed)
        await affinity.save_relations(uow.conn, related, uow.now)
        updates = demo.stock(network, uow.now, seed)
        while chunk := list(itertools.islice(updates, BATCH)):
            await positions.insert_snapshots(uow.conn, chunk, "demo-seed", uow.now)
            count += len(chunk)
    return {
        "locations": len(network.locations),
        "items": len(network.items),
        "positions": count,
        "product relations": len(related),
        "pick processes": len(demo.PICK_PROCESSES),
    }
