"""Benchmark: a sourcing simulation replaying 10,000 past orders (the decision lab), start to SUCCEEDED.

A scratch PostgreSQL database gets 50 locations, 300 SKUs stocked at each and
a month of history written the way the OMS writes it: each order's row and
lines, and its reservation as a guarded UPDATE of the positions (so the
ledger triggers record every one). Then one simulation of the whole month
(a draft weighting stock depth only, against the default profile) is queued
and run by the runner the leader uses: loading the orders, the ledger and the
rules, replaying every order twice in worker-thread chunks with checkpoints.

python -m bench.simulation [--orders 10000] [--sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, bindparam, text

from app.config import Settings
from app.pubsub import InProcessBroker
from app.resources import Resources
from app.services import simulations
from app.services.simulation_runner import SimulationRunner
from app.store import catalog, migrate, positions
from app.store.db import Database
from app.store.tables.inventory import positions as positions_table
from app.store.tables.orders import order_lines, orders
from bench.common import write_result
from bench.datasets import bench_locations
from bench.pg import scratch_database
from domain.inventory import InventoryUpdate
from domain.items import Item
from domain.ledger import Cause, Why
from domain.profiles import SourcingProfile, Weights

START = datetime(2026, 10, 1, tzinfo=UTC)
DAYS = 30
SKUS = [f"SKU-{n:04d}" for n in range(300)]
RESERVE = text(
    "UPDATE positions SET reserved = reserved + :q, updated_at = :at, ledger_cause = 'order', ledger_ref = :ref "
    "WHERE sku = :sku AND location_id = :loc"
).bindparams(bindparam("q", type_=Integer), bindparam("at", type_=positions_table.c.updated_at.type))


@asynccontextmanager
async def database(sqlite: bool) -> AsyncIterator[str]:
    if sqlite:
        with tempfile.TemporaryDirectory() as work:
            yield f"sqlite+aiosqlite:///{Path(work) / 'lab.db'}"
    else:
        async with scratch_database("oms_bench_lab") as url:
            yield url


async def seed(db: Database, orders_count: int, rng: random.Random) -> None:
    locations = bench_locations(50)
    async with db.write() as conn:
        await catalog.save_locations(conn, locations, START)
        await catalog.save_items(conn, [Item(sku, f"cat-{n % 10}") for n, sku in enumerate(SKUS)], START)
        stock = [InventoryUpdate(s, x.id, 10_000, START) for x in locations for s in SKUS]
        await positions.insert_snapshots(conn, stock, "bench", START, Why(Cause.SEED, "bench"))
    step = timedelta(days=DAYS) / orders_count
    rows, lines, reserves = [], [], []
    for n in range(orders_count):
        at = START + step * (n + 1)
        oid = f"ord_bench_{n:06d}"
        loc = rng.choice(locations)
        cart = [(sku, rng.randint(1, 2)) for sku in rng.sample(SKUS, rng.randint(1, 3))]
        geo = {"lat": rng.uniform(30, 48), "lon": rng.uniform(-122, -71)}
        plan = {"allocations": [{"location_id": loc.id, "sku": s, "quantity": q, "reasons": []} for s, q in cart]}
        rows.append(_order(oid, n, at, geo, plan))
        lines += [
            {"order_id": oid, "line_no": i + 1, "sku": s, "quantity": q, "unit_price": 10.0, "services": []}
            for i, (s, q) in enumerate(cart)
        ]
        reserves += [{"q": q, "at": at, "ref": oid, "sku": s, "loc": loc.id} for s, q in cart]
    async with db.write() as conn:
        for chunk in range(0, len(rows), 2000):
            await conn.execute(orders.insert(), rows[chunk : chunk + 2000])
        for chunk in range(0, len(lines), 5000):
            await conn.execute(order_lines.insert(), lines[chunk : chunk + 5000])
        await conn.execute(RESERVE, reserves)  # one ledger row each, by the trigger


def _order(oid: str, n: int, at: datetime, geo: dict[str, float], plan: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": oid,
        "idempotency_key": oid,
        "fingerprint": "x",
        "status": "ALLOCATED",
        "on_hold": False,
        "channel": "web",
        "market": "US",
        "customer_id": f"c{n % 500}",
        "delivery": {"method": "SHIP", "geo": [geo["lat"], geo["lon"]]},
        "total": 20.0,
        "plan": plan,
        "created_at": at,
        "updated_at": at,
    }


async def main(orders_count: int, sqlite: bool) -> dict[str, Any]:
    rng = random.Random(23)
    async with database(sqlite) as url:
        db = Database(url)
        await migrate.upgrade(db)
        mark = time.perf_counter()
        await seed(db, orders_count, rng)
        seeded = time.perf_counter() - mark
        resources = Resources(Settings.from_env({"DATABASE_URL": url}), db, InProcessBroker(), None)
        draft = SourcingProfile("draft", weights=Weights(0, 0, 0, 0, 1, 0, 0))
        queued = await simulations.simulate_sourcing(
            resources,
            draft=draft,
            baseline_id="default",
            start=START,
            end=START + timedelta(days=DAYS),
            channel=None,
            market=None,
            by="bench",
        )
        mark = time.perf_counter()
        assert await SimulationRunner(resources).run_all() == 1
        seconds = time.perf_counter() - mark
        found = await simulations.get_simulation(resources, queued.id)
        await db.dispose()
    assert found is not None and found.status.value == "SUCCEEDED", found
    result = {
        "backend": "sqlite" if sqlite else "postgres",
        "orders": found.orders,
        "seconds": round(seconds, 2),
        "orders_per_second": round(found.orders / seconds, 1),
        "seed_seconds": round(seeded, 1),
        "differences_kept": len(found.differences),
        "draft_fully_served": found.draft.orders_fully_served if found.draft else None,
        "baseline_fully_served": found.baseline.orders_fully_served if found.baseline else None,
    }
    write_result(f"simulation_{result['backend']}", result)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.orders, args.sqlite))
