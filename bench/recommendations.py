"""Benchmark: recommendations on a PDP (1 primary, 50 related candidates, 60 stores) and a 24-product PLP.

For each backend the OMS runs under uvicorn in its own process; load comes from
this process over loopback, one connection.

    python -m bench.recommendations [--requests N]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
from pathlib import Path
from typing import Any

from app.pubsub import InProcessBroker
from app.services import network
from app.services.uow import UnitOfWork
from app.store import affinity, migrate, positions
from app.store.db import Database
from bench.common import drive, free_port, server, write_result
from bench.datasets import AS_OF, bench_locations
from bench.pg import scratch_database
from domain.inventory import InventoryUpdate
from domain.items import Item
from domain.recommendations import Relation

PRIMARIES = [f"R-{n:03d}" for n in range(24)]
RELATED = [f"X-{n:03d}" for n in range(50)]
PDP = """query PDP { recommendations(input: {skus: ["R-000"], channel: "web", market: "US", context: PDP,
  destination: {geo: {lat: 40.7, lon: -74.0}}, limit: 4}) { sku score reason location { id } } }"""
PLP = """query PLP($reps: [_Any!]!) { _entities(representations: $reps) { ... on Product { sku
  recommendations(channel: "web", market: "US", pickupLocationId: "loc-001", limit: 4) { sku reason } } } }"""


async def seed(url: str) -> None:
    db = Database(url)
    await migrate.upgrade(db)
    broker = InProcessBroker()
    locations = bench_locations(60)
    await network.upsert_locations(UnitOfWork(db, broker), batch=locations)
    await network.upsert_items(UnitOfWork(db, broker), batch=[Item(s, "c") for s in PRIMARIES + RELATED])
    rng = random.Random(8)
    updates = [
        InventoryUpdate(s, loc.id, rng.randint(0, 6), AS_OF)
        for s in PRIMARIES + RELATED
        for loc in locations
        if rng.random() < 0.6
    ]
    relations = [Relation(p, r, "ACCESSORY", round(rng.uniform(0.2, 3), 2)) for p in PRIMARIES for r in RELATED]
    async with db.write() as conn:
        await positions.insert_snapshots(conn, updates, "bench", AS_OF)
        await affinity.save_relations(conn, relations, AS_OF)
    await db.dispose()


async def run_backend(name: str, url: str, requests: int) -> list[dict[str, Any]]:
    await seed(url)
    port = free_port()
    env = {"DATABASE_URL": url, "OMS_LOG_LEVEL": "WARNING", "OMS_ADMIN_TOKEN": "bench"}
    rows = []
    with server(["-m", "uvicorn", "oms.asgi:app", "--port", str(port), "--no-access-log"], env, port):
        endpoint = f"http://127.0.0.1:{port}/graphql"
        reps = [{"__typename": "Product", "sku": s} for s in PRIMARIES]
        for label, body in (
            ("PDP: 1 primary, 50 related, 60 stores", {"query": PDP}),
            ("PLP: 24 products through _entities", {"query": PLP, "variables": {"reps": reps}}),
        ):
            figures = await drive(endpoint, body, requests=requests, concurrency=1)
            rows.append({"backend": name, "scenario": label, "figures": figures})
    return rows


async def main(requests: int) -> None:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += await run_backend("sqlite", f"sqlite+aiosqlite:///{Path(tmp) / 'r.db'}", requests)
    async with scratch_database() as url:
        rows += await run_backend("postgres", url, requests)
    lines = ["| backend | scenario | p50 ms | p99 ms | req/s | errors |", "|---|---|---|---|---|---|"]
    for r in rows:
        f = r["figures"]
        lines.append(f"| {r['backend']} | {r['scenario']} | {f.p50_ms} | {f.p99_ms} | {f.throughput} | {f.errors} |")
    markdown = "\n".join(lines)
    write_result("recommendations", {"rows": rows, "markdown": markdown})
    print(markdown)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    asyncio.run(main(parser.parse_args().requests))
