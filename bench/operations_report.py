"""The operations report over a year of hourly rollups on PostgreSQL, and the rollup job's catch-up.

    python -m bench.operations_report [--stores 20] [--channels 2] [--runs 7]

A scratch database gets a year (8,784 hours) of rollups for `stores` x `channels` keys, about three store
orders per key and hour with their minute histograms (written with COPY: the report reads only the
rollups), then `operationsReport` answers HOUR, DAY and WEEK reports over the whole year, for every store
and for one, through the service and over HTTP through the whole app (in process: auth, parse, validate,
execute, serialise). The median of `runs` is reported. Then the demo network with four weeks of seeded history
(app/history.py) is rolled up from nothing, as `make run` does on a fresh machine.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import asyncpg
import httpx

from app import history
from app.config import Settings
from app.pubsub import InProcessBroker
from app.resources import Resources
from app.services import reporting, seed, seed_history
from app.store import migrate
from app.store.db import Database
from bench.common import write_result
from bench.pg import scratch_database
from domain.reporting import Granularity
from oms.compose import build_app

YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)
HOURS = 366 * 24
AUTH = {"authorization": "Bearer bench"}
QUERY = """query($input: OperationsReportInput!) { operationsReport(input: $input) {
  buckets { start orders units fillRate splitRate shortPickRate cancelledRate slaMetRate
    medianPickMinutes medianReleaseToReadyMinutes }
  totals { orders fillRate medianPickMinutes medianReleaseToReadyMinutes } } }"""


def rollup_rows(
    stores: int, channels: int, per_hour: float, rng: random.Random
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Orders arrive with the seeded history's daily rhythm, `per_hour` on average over the network, each at
    a random store and channel; a rollup row exists where orders were placed, as the job writes them."""
    sums: list[tuple[Any, ...]] = []
    minutes: list[tuple[Any, ...]] = []
    scale = per_hour / (sum(history.hourly_rate(YEAR_START + timedelta(hours=h)) for h in range(24 * 7)) / (24 * 7))
    for h in range(HOURS):
        hour = YEAR_START + timedelta(hours=h)
        keys: dict[tuple[str, str], list[int]] = {}
        for _ in range(_poisson(history.hourly_rate(hour) * scale, rng)):
            keys.setdefault((f"store-{rng.randrange(stores):03d}", f"ch{rng.randrange(channels)}"), []).append(0)
        for (store, channel), orders in keys.items():
            n = len(orders)
            short, late = sum(rng.random() < 0.06 for _ in orders), sum(rng.random() < 0.1 for _ in orders)
            sums.append((hour, store, channel, n, n * 2, n - max(short, late), 0, short, 0, n - late))
            picks = Counter(int(rng.lognormvariate(2.2, 0.5)) for _ in orders)
            readies = Counter(int(rng.lognormvariate(4.8, 0.5)) for _ in orders)
            minutes += [(hour, store, channel, "PICK", m, c) for m, c in picks.items()]
            minutes += [(hour, store, channel, "READY", m, c) for m, c in readies.items()]
    return sums, minutes


def _poisson(mean: float, rng: random.Random) -> int:
    count, at = 0, rng.expovariate(1.0)
    while at < mean:
        count += 1
        at += rng.expovariate(1.0)
    return count


async def fill(url: str, stores: int, channels: int, per_hour: float) -> int:
    sums, minutes = rollup_rows(stores, channels, per_hour, random.Random(7))
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.copy_records_to_table("report_hours", records=sums)
        await conn.copy_records_to_table("report_minutes", records=minutes)
        await conn.execute("ANALYZE report_hours; ANALYZE report_minutes")
    finally:
        await conn.close()
    return len(sums) + len(minutes)


async def median_ms(runs: int, job: Callable[[], Awaitable[Any]]) -> float:
    await job()  # warm: plans cached, pool filled
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await job()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


async def reports(db: Database, url: str, runs: int, stores: int) -> list[dict[str, Any]]:
    app = build_app(Settings(database_url=url, admin_token="bench"), run_migrations=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        return await _reports(db, client, runs, stores)


async def _reports(db: Database, client: httpx.AsyncClient, runs: int, stores: int) -> list[dict[str, Any]]:
    async def graphql(variables: dict[str, Any]) -> None:
        response = await client.post("/graphql", json={"query": QUERY, "variables": variables}, headers=AUTH)
        assert response.status_code == 200 and "errors" not in response.json(), response.text

    end = YEAR_START + timedelta(hours=HOURS)
    out = []
    for granularity in Granularity:
        for locations in (None, frozenset({"store-003"})):
            service = partial(
                reporting.operations_report,
                db,
                start=YEAR_START,
                end=end,
                granularity=granularity,
                location_ids=locations,
                channel=None,
            )
            found = await service()
            variables: dict[str, Any] = {
                "input": {
                    "from": YEAR_START.isoformat(),
                    "to": end.isoformat(),
                    "granularity": granularity.value,
                    "locationIds": sorted(locations) if locations else None,
                }
            }
            out.append(
                {
                    "granularity": granularity.value,
                    "stores": 1 if locations else stores,
                    "buckets": len(found.buckets),
                    "store_orders": found.totals.orders,
                    "service_ms": await median_ms(runs, service),
                    "http_graphql_ms": await median_ms(runs, partial(graphql, variables)),
                }
            )
            print(out[-1], flush=True)
    return out


async def catch_up(url: str) -> dict[str, Any]:
    db = Database(url)
    try:
        await migrate.upgrade(db)
        resources = Resources(Settings(database_url=url), db, InProcessBroker(), None)
        await seed.seed_demo(resources.uow())
        counts = await seed_history.seed_history(resources.uow(), days=28)
        started = time.perf_counter()
        hours = await reporting.roll_up(resources)
        took = time.perf_counter() - started
        started = time.perf_counter()
        idle = await reporting.roll_up(resources)
        return {
            "past_orders": counts["past orders"],
            "hours": hours,
            "catch_up_s": round(took, 2),
            "idle_run_ms": round((time.perf_counter() - started) * 1000, 1),
            "idle_hours": idle,
        }
    finally:
        await db.dispose()


async def main(stores: int, channels: int, per_hour: float, runs: int, catch_up_too: bool) -> dict[str, Any]:
    async with scratch_database("oms_bench_report") as url:
        db = Database(url)
        try:
            await migrate.upgrade(db)
            rows = await fill(url, stores, channels, per_hour)
            print(
                f"{rows:,} rollup rows: {stores} stores, {channels} channels, {per_hour}/h, {HOURS} hours", flush=True
            )
            found = await reports(db, url, runs, stores)
        finally:
            await db.dispose()
    caught: dict[str, Any] = {}
    if catch_up_too:
        async with scratch_database("oms_bench_report") as url:
            caught = await catch_up(url)
            print(caught, flush=True)
    return {
        "stores": stores,
        "channels": channels,
        "orders_per_hour": per_hour,
        "rollup_rows": rows,
        "reports": found,
        "catch_up": caught,
    }


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=20)
    parser.add_argument("--channels", type=int, default=2)
    parser.add_argument("--orders-per-hour", type=float, default=30.0, help="network-wide, on average")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--skip-catch-up", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(main(args.stores, args.channels, args.orders_per_hour, args.runs, not args.skip_catch_up))
    name = "operations_report" if args.orders_per_hour == 30.0 else f"operations_report_{int(args.orders_per_hour)}"
    print(write_result(name, result))


if __name__ == "__main__":
    cli()
