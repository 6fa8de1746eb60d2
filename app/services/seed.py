"""Use case: load the demo network into an empty database."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from app import demo
from app import scale as scale_network
from app.scale import Scale
from app.services.uow import UnitOfWork
from app.store import affinity, catalog, positions
from app.store import pick_processes as pick_process_store
from app.store import slots as slot_store
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
            await pick_process_store.save_process(uow.conn, process, uow.now)
        await catalog.save_locations(uow.conn, network.locations, uow.now)
        for policy in demo.SLOT_POLICIES:
            await slot_store.save_policy(uow.conn, policy, uow.now)
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
        "pickup slot policies": len(demo.SLOT_POLICIES),
    }


async def seed_scale(uow: UnitOfWork, scale: Scale, *, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Write a fixed synthetic network (app/scale.py) in one transaction; the database must be empty."""
    count = 0
    async with uow:
        await catalog.save_locations(uow.conn, scale_network.locations(scale.locations), uow.now)
        catalog_items = scale_network.items(scale)
        for start in range(0, len(catalog_items), BATCH):
            await catalog.save_items(uow.conn, catalog_items[start : start + BATCH], uow.now)
        updates = scale_network.stock(scale, uow.now)
        while chunk := list(itertools.islice(updates, BATCH)):
            await positions.insert_snapshots(uow.conn, chunk, "scale-seed", uow.now)
            count += len(chunk)
            if progress:
                progress(count)
    return {"locations": scale.locations, "items": scale.skus, "positions": count}
