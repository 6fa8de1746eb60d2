"""Suite scenarios on the large network: PDP availability, PLP `_entities`, cart fulfillment options.

For each configuration (backend x uvicorn workers) our server runs on a copy
of the cached large network (bench/network.py) and each scenario is driven
over a fixed number of keep-alive connections, bounded in requests and
seconds. Its floors, measured in the same run:
- PDP and PLP: a bare Strawberry schema (bench/floor_app.py, ParserCache and
  ValidationCache on) serving the identical responses from memory, under the
  same uvicorn with the same worker count, driven the same way; the PLP also
  against one raw SQL query of the same positions, in this process;
- cart: the pure part of the same fulfillment-options computation (sourcing
  plans and ETAs over the very inputs the server read), in this process.

    python -m bench.storefront [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from app import scale as scale_network
from app.services import options
from app.services import sourcing as routing
from app.services.uow import utc_now
from bench import network
from bench.common import REDIS, Figures, figures, free_port, server, write_result
from bench.harness import SERVER_ENV, count_statements, cpu_seconds, in_process, load, peak_rss_mb
from bench.loadgen import Connection
from domain import sourcing
from domain.locations import FulfillmentMethod, Geo

SCALE = scale_network.SCALES["large"]
CONNECTIONS = 4
HOME = Geo(40.7, -74.0)

PDP = """query PDP($skus: [String!]!) {
  availability(skus: $skus, channel: "web", market: "US") {
    sku channel market atp onHand reserved inbound
    locations { location { id name type } atp onHand reserved held inbound appliedRules }
  }
}"""
PLP = """query PLP($reps: [_Any!]!) { _entities(representations: $reps) { ... on Product { sku
  availability(channel: "web", market: "US") { sku atp onHand reserved inbound
    locations(onlyAvailable: true) { location { id } atp } } } } }"""
CART = """query Cart($lines: [CartLineInput!]!) {
  fulfillmentOptions(input: {channel: "web", market: "US", lines: $lines,
                             destination: {geo: {lat: 40.7, lon: -74.0}}}) {
    method available splitCount etaHours readyBy location { id }
    plan { shipments estimatedCost allocations { sku quantity } unallocated { sku quantity } }
  }
}"""
FULL = """query Full($skus: [String!]!) { availability(skus: $skus, channel: "web", market: "US") {
  sku channel market atp onHand reserved inbound
  locations { location { id name type } atp onHand reserved held inbound appliedRules } } }"""

PDP_SKUS = [scale_network.sku(n) for n in range(10)]  # hot: stocked at all 200 locations
PLP_PAGES = [[scale_network.sku(1000 + 24 * page + n) for n in range(24)] for page in range(4)]
CARTS = [
    [scale_network.sku(n) for n in (c, 10 + c)] + [scale_network.sku(500 + 7 * c + n) for n in range(3)]
    for c in range(4)
]


def pdp_bodies() -> list[dict[str, Any]]:
    return [{"query": PDP, "variables": {"skus": [s]}} for s in PDP_SKUS]


def plp_bodies() -> list[dict[str, Any]]:
    return [
        {"query": PLP, "variables": {"reps": [{"__typename": "Product", "sku": s} for s in page]}} for page in PLP_PAGES
    ]


def cart_bodies() -> list[dict[str, Any]]:
    return [{"query": CART, "variables": {"lines": [{"sku": s, "quantity": 1} for s in cart]}} for cart in CARTS]


SCENARIOS: dict[str, tuple[Callable[[], list[dict[str, Any]]], int]] = {
    # label: (bodies, requests bound)
    "PDP availability, 1 SKU x 200 locations": (pdp_bodies, 2000),
    "PLP _entities, 24 Products with availability": (plp_bodies, 1500),
    "cart fulfillment options, 5 lines": (cart_bodies, 1500),
}


@dataclass
class Config:
    backend: str
    workers: int


async def _drive_server(port: int, pid: int, bodies: list[dict[str, Any]], requests: int, seconds: float) -> Any:
    before = cpu_seconds(pid)
    found = await load(port, bodies, connections=CONNECTIONS, requests=requests, seconds=seconds)
    cpu = cpu_seconds(pid) - before
    return found, round(cpu * 1000 / max(1, found.requests), 2)


def _timed(job: Callable[[], object], runs: int, seconds: float) -> Figures:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    began = time.perf_counter()
    while len(latencies) < runs and time.perf_counter() < deadline:
        started = time.perf_counter()
        job()
        latencies.append(time.perf_counter() - started)
    return figures(latencies, 0, time.perf_counter() - began)


async def _timed_async(job: Callable[[], Any], runs: int, seconds: float) -> Figures:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    began = time.perf_counter()
    while len(latencies) < runs and time.perf_counter() < deadline:
        started = time.perf_counter()
        await job()
        latencies.append(time.perf_counter() - started)
    return figures(latencies, 0, time.perf_counter() - began)


async def cart_floor(resources: Any, seconds: float) -> Figures:
    """What fulfillmentOptions computes after its one read (sourcing plans for ship, 5 pickup stores and same
    day, with ETAs), on the same inputs, in this process: no HTTP, GraphQL or SQL."""
    now = utc_now()
    prepared = []
    for cart in CARTS:
        lines = tuple(sourcing.Line(s, 1) for s in cart)
        question = options.CartQuestion("web", "US", lines, HOME)
        ask = routing.Ask("web", "US", sourcing.merge_lines(lines), FulfillmentMethod.SHIP, HOME)
        async with resources.db.read() as conn:
            inputs = await routing.gather(conn, resources, ask, now)
        prepared.append((question, inputs))
    cache = resources.availability.cache.locations
    turn = iter(range(10**9))

    def pure() -> object:
        question, inputs = prepared[next(turn) % len(prepared)]
        found = options._ship(inputs, now)
        for location in options._pickup_stores(question, inputs, cache):
            found.append(options._pickup(inputs, location, question.destination, now))
        found.extend(options._same_day(inputs, now))
        return found

    return _timed(pure, 5000, seconds)


async def raw_sql_floor(database_url: str, seconds: float) -> Figures:
    """One raw SQL query of the positions a PLP page shows (asyncpg; the sqlite3 module), in this process."""
    pages = iter(range(10**9))
    if database_url.startswith("postgresql"):
        conn = await asyncpg.connect(database_url.replace("+asyncpg", ""))
        statement = await conn.prepare(
            "SELECT sku, location_id, on_hand, reserved, inbound FROM positions WHERE sku = ANY($1::text[])"
        )

        async def query() -> None:
            await statement.fetch(PLP_PAGES[next(pages) % len(PLP_PAGES)])

        try:
            return await _timed_async(query, 3000, seconds)
        finally:
            await conn.close()
    db = sqlite3.connect(database_url.split("///", 1)[1])
    marks = ",".join("?" * 24)
    sql = f"SELECT sku, location_id, on_hand, reserved, inbound FROM positions WHERE sku IN ({marks})"
    try:
        return _timed(lambda: db.execute(sql, PLP_PAGES[next(pages) % len(PLP_PAGES)]).fetchall(), 3000, seconds)
    finally:
        db.close()


async def in_process_floors(database_url: str, seconds: float) -> dict[str, Any]:
    """Statement counts per scenario and the in-process floors, before any server process starts."""
    print(f"  statements per request and in-process floors ({database_url.split(':', maxsplit=1)[0]})", flush=True)
    async with in_process(database_url) as (port, resources):
        statements = {
            label: await count_statements(port, resources.db.statements, make())
            for label, (make, _) in SCENARIOS.items()
        }
        cart = await cart_floor(resources, seconds)
    print("  raw SQL floor", flush=True)
    return {"statements": statements, "cart": cart, "raw_sql": await raw_sql_floor(database_url, seconds)}


async def _post(port: int, body: dict[str, Any]) -> Any:
    client = Connection("127.0.0.1", port, {"authorization": "Bearer bench"})
    try:
        status, answer = await client.post_json("/graphql", body)
    finally:
        await client.close()
    assert status == 200 and not answer.get("errors"), answer
    return answer["data"]


async def run_config(
    config: Config, database_url: str, work: Path, seconds: float, extra: dict[str, Any]
) -> list[dict[str, Any]]:
    print(f"  {config.backend}, {config.workers} worker(s): ours, then the floor", flush=True)
    env = {**SERVER_ENV, "DATABASE_URL": database_url}
    if config.backend == "postgres":
        env["REDIS_URL"] = REDIS
    uvicorn = ["-m", "uvicorn", "--no-access-log", "--workers", str(config.workers), "--timeout-keep-alive", "60"]
    port = free_port()
    ours: dict[str, Any] = {}
    with server([*uvicorn, "app.asgi:app", "--port", str(port)], env, port) as process:
        for label, (make, requests) in SCENARIOS.items():
            ours[label] = await _drive_server(port, process.pid, make(), requests, seconds)
        ours_peak = peak_rss_mb(process.pid)
        skus = PDP_SKUS + [s for page in PLP_PAGES for s in page]
        recorded = (await _post(port, {"query": FULL, "variables": {"skus": skus}}))["availability"]
        expected = {
            "pdp": await _post(port, pdp_bodies()[0]),
            "plp": await _post(port, plp_bodies()[0]),
        }
    data = work / f"floor-{config.backend}-{config.workers}.json"
    data.write_text(json.dumps(recorded))
    floor: dict[str, Any] = {}
    floor_port = free_port()
    floor_env = {"FLOOR_DATA": str(data)}
    with server([*uvicorn, "bench.floor_app:floor", "--port", str(floor_port)], floor_env, floor_port) as process:
        assert await _post(floor_port, pdp_bodies()[0]) == expected["pdp"], "the floor answers the PDP identically"
        assert await _post(floor_port, plp_bodies()[0]) == expected["plp"], "the floor answers the PLP identically"
        for label, (make, requests) in list(SCENARIOS.items())[:2]:
            floor[label] = await _drive_server(floor_port, process.pid, make(), requests, seconds)
        floor_peak = peak_rss_mb(process.pid)
    rows = []
    for label in SCENARIOS:
        (o, cpu) = ours[label]
        row: dict[str, Any] = {
            "scenario": label,
            "backend": config.backend,
            "workers": config.workers,
            "connections": CONNECTIONS,
            "ours": o,
            "cpu_ms_per_request": cpu,
            "peak_rss_mb": ours_peak,
            "statements_per_request": extra["statements"][label],
        }
        if label in floor:
            f, fcpu = floor[label]
            row |= {"floor_name": "bare Strawberry from memory", "floor": f, "floor_cpu_ms_per_request": fcpu}
            row["floor_peak_rss_mb"] = floor_peak
        else:
            row |= {"floor_name": "pure sourcing in-process", "floor": extra["cart"]}
        row["p50_ratio"] = round(o.p50_ms / max(row["floor"].p50_ms, 0.001), 2)
        rows.append(row)
        if label.startswith("PLP"):
            raw = extra["raw_sql"]
            rows.append(
                {**row, "floor_name": "one raw SQL query in-process", "floor": raw}
                | {"p50_ratio": round(o.p50_ms / max(raw.p50_ms, 0.001), 2), "floor_cpu_ms_per_request": None}
            )
    return rows


async def run(configs: list[Config], seconds: float) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if any(c.backend == "sqlite" for c in configs):
            url = network.sqlite(work)
            extra = await in_process_floors(url, seconds)
            for config in (c for c in configs if c.backend == "sqlite"):
                rows += await run_config(config, url, work, seconds, extra)
        if any(c.backend == "postgres" for c in configs):
            async with network.postgres() as url:
                extra = await in_process_floors(url, seconds)
                for config in (c for c in configs if c.backend == "postgres"):
                    rows += await run_config(config, url, work, seconds, extra)
    write_result("storefront", {"rows": rows})
    return rows


CONFIGS = [Config("sqlite", 1), Config("sqlite", 2), Config("postgres", 1), Config("postgres", 2)]
QUICK = [Config("sqlite", 1), Config("postgres", 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="two configurations, 2 s per measurement")
    parser.add_argument("--seconds", type=float, default=None, help="bound of each measurement (default 5; quick 2)")
    args = parser.parse_args()
    seconds = args.seconds or (2.0 if args.quick else 5.0)
    rows = asyncio.run(run(QUICK if args.quick else CONFIGS, seconds))
    for r in rows:
        print(
            r["scenario"],
            r["backend"],
            r["workers"],
            r["ours"].p50_ms,
            r["floor_name"],
            r["floor"].p50_ms,
            r["p50_ratio"],
        )


if __name__ == "__main__":
    main()
