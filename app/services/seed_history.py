"""Use case: seed past weeks of orders and store work (app/history.py), so reports show something real."""

from __future__ import annotations

from app import history
from app.services.uow import UnitOfWork
from app.store import catalog
from app.store import history as store

SKUS = 300  # the history's orders draw on the first SKUs of the catalog


async def seed_history(uow: UnitOfWork, *, days: int = 28, seed: int = 42) -> dict[str, int]:
    """Write `days` of history ending now, in one transaction; the operations report's job rolls it up."""
    async with uow:
        locations = await catalog.all_locations(uow.conn)
        skus = await store.first_skus(uow.conn, SKUS)
        rows = history.generate(locations, skus, uow.now, days, seed)
        await store.insert(uow.conn, rows.tables)
    return {"past orders": rows.count("orders"), "past pick lists": rows.count("pick_lists")}
