"""Use case: seed past weeks of orders and store work (app/history.py), so reports and the lab show something real.

Besides the orders, the history gives the lab its material: the inventory
ledger's past agreeing with those orders and today's positions
(app/history_ledger.py), availability rules that changed (and were dropped
again) during the weeks, a second sourcing profile to compare with the
default, and two stores whose daily capacity the busiest days exceeded.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta

from app import history, history_ledger
from app.services.uow import UnitOfWork
from app.store import catalog
from app.store import history as store
from app.store import profiles as profile_store
from app.store import rules as rule_store
from domain.atp import AvailabilityRule
from domain.locations import LocationType
from domain.profiles import SourcingProfile, Weights

SKUS = 300  # the history's orders draw on the first SKUs of the catalog
NEAREST = SourcingProfile(  # VIP orders only (no live demo order names a segment): the lab's second profile,
    "demo-nearest",  # the nearest store whatever its load: the lab shows the days it would have gone over
    customer_segment="vip",
    respect_capacity=False,
    weights=Weights(distance=4.0, priority=0.2, turnaround=0.2, capacity=0.2, stock_depth=0.1, cost=0.2),
)
TIGHT_STORES = 2  # stores given a daily capacity below their busiest days


async def seed_history(uow: UnitOfWork, *, days: int = 28, seed: int = 42) -> dict[str, int]:
    """Write `days` of history ending now, in one transaction; the operations report's job rolls it up."""
    async with uow:
        locations = await catalog.all_locations(uow.conn)
        skus = await store.first_skus(uow.conn, SKUS)
        rows = history.generate(locations, skus, uow.now, days, seed)
        await store.insert(uow.conn, rows.tables)
        entries = await _ledger(uow, rows, uow.now - timedelta(days=days), seed)
        if rows.count("orders"):
            await _rules(uow, uow.now - timedelta(days=days))
            await profile_store.save_profile(uow.conn, NEAREST, uow.now)
            await _capacity(uow, rows)
    return {"past orders": rows.count("orders"), "past pick lists": rows.count("pick_lists"), "ledger rows": entries}


async def _ledger(uow: UnitOfWork, rows: history.Rows, start: datetime, seed: int) -> int:
    found = history_ledger.moves(rows)
    if not found:
        return 0
    history_ledger.feeds(found, start, uow.now - history.SETTLED, random.Random(seed))
    current = await store.positions_of(uow.conn, list(found), uow.now)
    entries = history_ledger.ledger_rows(found, current, start, uow.now)
    await store.replace_ledger(uow.conn, list(current), start, entries)
    return len(entries)


async def _rules(uow: UnitOfWork, start: datetime) -> None:
    """A web safety stock at stores, tightened then dropped; a week-long cap on one category's exposure. Both
    mild (orders take 1-3 units), so the real history stays plausible under the rules then in force."""
    web = AvailabilityRule("demo-web-safety", channel="web", location_type=LocationType.STORE, safety_stock=1)
    items = await catalog.items_by_sku(uow.conn, await store.first_skus(uow.conn, 1))
    category = next(iter(items.values())).category if items else None
    steps: list[tuple[int, AvailabilityRule | str]] = [
        (3, web),
        (12, replace(web, safety_stock=2)),
        (20, "demo-web-safety"),
    ]
    if category:
        clearance = AvailabilityRule("demo-clearance", category=category, max_exposed=5)
        steps += [(8, clearance), (15, "demo-clearance")]
    for day, step in sorted(steps, key=lambda s: s[0]):
        at = start + timedelta(days=day)
        if isinstance(step, str):
            await rule_store.delete_rule(uow.conn, step, at)
        else:
            await rule_store.save_rule(uow.conn, replace(step, revision=int(at.timestamp() * 1_000_000)), at)


async def _capacity(uow: UnitOfWork, rows: history.Rows) -> None:
    """The two busiest stores get a daily capacity their median day meets and their busiest days exceed."""
    per_day = Counter((f["location_id"], f["day"]) for f in rows.tables["fulfillments"])
    per_store: dict[str, list[int]] = {}
    for (loc, _), n in per_day.items():
        per_store.setdefault(loc, []).append(n)
    busiest = sorted(per_store, key=lambda loc: (-max(per_store[loc]), loc))[:TIGHT_STORES]
    locations = {loc.id: loc for loc in await catalog.all_locations(uow.conn)}
    tight = [
        replace(locations[loc], daily_capacity=sorted(per_store[loc])[len(per_store[loc]) // 2])
        for loc in busiest
        if loc in locations
    ]
    await catalog.save_locations(uow.conn, tight, uow.now)
