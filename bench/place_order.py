"""Benchmark: placeOrder under contention on PostgreSQL, against a raw asyncpg floor.

50 concurrent clients order 1 unit of one of 10 hot SKUs (limited stock: some
orders must be refused) through the real server (uvicorn, PostgreSQL, Redis), driven by the lean
keep-alive client of `bench.loadgen` from this process.
Afterwards the database is checked: no position has more reserved than on
hand, reserved units equal the units of placed orders, and every idempotency
key made exactly one order (5% of requests replay an earlier key).
The floor: raw asyncpg transactions doing the guarded UPDATE plus one INSERT
at the same concurrency on a copy of the positions, from a pool of as many
connections as clients (the server gets the same pool size). Beside it, the
bare stack (`bench.floor_place_app`): the floor's transaction behind uvicorn
and a Strawberry mutation with the contract's input, driven like our server,
which shows how much of the distance to the floor is the stack's.

Our server runs the same load twice per run, each time on a freshly seeded
database: with OMS_EXECUTOR=planned (engine/, the default) and with
OMS_EXECUTOR=reference (graphql-core's executor), in alternating order from
run to run. Per executor: orders/s, server CPU per order (the process tree,
from /proc) and the ratio of its orders/s to the bare stack's in the same run
(target: at least 0.8).

    python -m bench.place_order [--orders N] [--clients C] [--workers W] [--repeats R] [--executors a,b]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid
from dataclasses import replace
from typing import Any

import asyncpg

from app.pubsub import InProcessBroker
from app.services import network
from app.services.uow import UnitOfWork
from app.store import migrate, positions
from app.store.db import Database
from bench.common import REDIS, free_port, server, write_result
from bench.datasets import AS_OF, bench_locations
from bench.harness import SERVER_ENV, count_statements, cpu_seconds, in_process, peak_rss_mb
from bench.loadgen import Connection, LoadError
from bench.pg import scratch_database
from domain.inventory import InventoryUpdate
from domain.items import Item

HOT = [f"HOT-{n}" for n in range(10)]
WARM = "WARM-UP"  # ordered before the clock starts, so every server connection has run the statements once
EXECUTORS = ("planned", "reference")
TARGET_BARE_RATIO = 0.8  # ours / the bare stack, orders per second
PLACE = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } userErrors { code } } }"""


async def seed(url: str, per_location: int) -> None:
    db = Database(url)
    await migrate.upgrade(db)
    broker = InProcessBroker()
    locations = [replace(x, daily_capacity=None) for x in bench_locations(20)]  # contention, not capacity
    await network.upsert_locations(UnitOfWork(db, broker), batch=locations)
    await network.upsert_items(UnitOfWork(db, broker), batch=[Item(s, "hot") for s in [*HOT, WARM]])
    updates = [InventoryUpdate(s, loc.id, per_location, AS_OF) for s in HOT for loc in locations[:5]]
    updates += [InventoryUpdate(WARM, loc.id, 10_000, AS_OF) for loc in locations[5:]]
    async with db.write() as conn:
        await positions.insert_snapshots(conn, updates, "bench", AS_OF)
    await db.dispose()


def order(key: str, rng: random.Random, sku: str | None = None) -> dict[str, Any]:
    return {
        "idempotencyKey": key,
        "channel": "web",
        "market": "US",
        "customer": {"id": f"c{rng.randint(1, 500)}"},
        "lines": [{"sku": sku or rng.choice(HOT), "quantity": 1, "unitPrice": 20.0}],
        "delivery": {"method": "SHIP", "destination": {"geo": {"lat": 40.7, "lon": -74.0}}},
    }


async def warm_up(port: int, clients: int, rounds: int = 3) -> set[str]:
    """Orders of the warm-up SKU from every client connection at once, untimed (the floor's pool is made
    before its clock starts too): the server's connections exist and have prepared their statements."""
    rng = random.Random(1)

    async def one(client: int) -> list[str]:
        connection = Connection("127.0.0.1", port, {"authorization": "Bearer bench"})
        placed = []
        for n in range(rounds):
            body = order(f"warm-{client}-{n}", rng, WARM)
            status, answer = await connection.post_json("/graphql", {"query": PLACE, "variables": {"input": body}})
            assert status == 200 and answer["data"]["placeOrder"]["order"], answer
            placed.append(answer["data"]["placeOrder"]["order"]["id"])
        await connection.close()
        return placed

    return {i for ids in await asyncio.gather(*(one(c) for c in range(clients))) for i in ids}


async def drive(port: int, orders: int, clients: int) -> dict[str, Any]:
    rng = random.Random(9)
    keys: list[str] = []
    jobs: list[str] = []
    for _ in range(orders):
        if keys and rng.random() < 0.05:
            jobs.append(rng.choice(keys))
        else:
            keys.append(uuid.uuid4().hex)
            jobs.append(keys[-1])
    bodies = {k: order(k, rng) for k in keys}
    latencies: list[float] = []
    outcomes: dict[str, set[str]] = {}
    refused = errors = 0
    queue = list(reversed(jobs))

    async def worker() -> None:
        nonlocal refused, errors
        client = Connection("127.0.0.1", port, {"authorization": "Bearer bench"})
        while queue:
            key = queue.pop()
            started = time.perf_counter()
            try:
                status, body = await client.post_json("/graphql", {"query": PLACE, "variables": {"input": bodies[key]}})
            except LoadError:
                errors += 1  # counted, and the key is retried: a client would retry with the same key
                queue.append(key)
                continue
            latencies.append(time.perf_counter() - started)
            result = (body.get("data") or {}).get("placeOrder") if status == 200 else None
            if result is None:
                errors += 1
            elif result["order"]:
                outcomes.setdefault(key, set()).add(result["order"]["id"])
            elif result["userErrors"][0]["code"] == "INSUFFICIENT_STOCK":
                refused += 1
            else:
                errors += 1
        await client.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    seconds = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(jobs),
        "seconds": round(seconds, 2),
        "requests_per_second": round(len(jobs) / seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "placed": len(outcomes),
        "refused": refused,
        "errors": errors,
        "keys_with_two_orders": sum(1 for ids in outcomes.values() if len(ids) > 1),
        "order_ids": {i for ids in outcomes.values() for i in ids},
    }


async def check(url: str, order_ids: set[str]) -> dict[str, int]:
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    oversold = await conn.fetchval("SELECT count(*) FROM positions WHERE reserved > on_hand")
    reserved = await conn.fetchval("SELECT COALESCE(sum(reserved), 0) FROM positions")
    ordered = await conn.fetchval("SELECT COALESCE(sum(quantity), 0) FROM order_lines")
    stored = await conn.fetchval("SELECT count(*) FROM orders")
    await conn.close()
    return {
        "oversold_positions": oversold,
        "reserved_units": reserved,
        "ordered_units": ordered,
        "orders_stored": stored,
        "orders_acknowledged": len(order_ids),
    }


async def floor(url: str, operations: int, clients: int) -> dict[str, Any]:
    dsn = url.replace("+asyncpg", "")
    pool = await asyncpg.create_pool(dsn, min_size=clients, max_size=clients)
    async with pool.acquire() as conn:
        await conn.execute(
            # The same hot rows our orders hit: each SKU at its first location, where sourcing sends it first.
            "CREATE TABLE floor_positions AS SELECT DISTINCT ON (sku) sku, location_id, 1000000 AS on_hand, "
            "0 AS reserved FROM positions WHERE sku LIKE 'HOT-%' ORDER BY sku, location_id"
        )
        await conn.execute("ALTER TABLE floor_positions ADD PRIMARY KEY (sku, location_id)")
        await conn.execute("CREATE TABLE floor_orders (id text PRIMARY KEY, sku text, location_id text)")
        targets = await conn.fetch("SELECT sku, location_id FROM floor_positions")
    rng = random.Random(4)
    remaining = operations
    latencies: list[float] = []

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            sku, location = rng.choice(targets)
            started = time.perf_counter()
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute(
                    "UPDATE floor_positions SET reserved = reserved + 1 "
                    "WHERE sku = $1 AND location_id = $2 AND on_hand - reserved >= 1",
                    sku,
                    location,
                )
                await conn.execute("INSERT INTO floor_orders VALUES ($1, $2, $3)", uuid.uuid4().hex, sku, location)
            latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    seconds = time.perf_counter() - began
    await pool.close()
    latencies.sort()
    return {
        "operations": operations,
        "seconds": round(seconds, 2),
        "per_second": round(operations / seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
    }


async def bare_stack(url: str, orders: int, clients: int, workers: int) -> dict[str, Any]:
    """The same load against `bench.floor_place_app` (uvicorn + Strawberry + the floor's statements), on the
    floor's tables, after the floor ran; the warm-up SKU gets a row there so the warm-up is the same too."""
    dsn = url.replace("+asyncpg", "")
    conn = await asyncpg.connect(dsn)
    await conn.execute("INSERT INTO floor_positions VALUES ($1, 'warm', 1000000, 0)", WARM)
    await conn.close()
    port = free_port()
    command = ["-m", "uvicorn", "bench.floor_place_app:app", "--port", str(port), "--no-access-log"]
    command += ["--workers", str(workers), "--timeout-keep-alive", "60"]
    with server(command, {"FLOOR_DSN": dsn, "FLOOR_POOL_SIZE": str(clients)}, port) as process:
        await warm_up(port, clients)
        cpu_before = cpu_seconds(process.pid)
        found = await drive(port, orders, clients)
        found["cpu_ms_per_request"] = round((cpu_seconds(process.pid) - cpu_before) * 1000 / orders, 2)
    found.pop("order_ids")
    return found


async def statements(url: str, clients: int) -> float:
    """SQL statements per warm placeOrder, counted in an in-process app on the same database (warm-up SKU)."""
    rng = random.Random(5)
    async with in_process(url) as (port, resources):
        await count_statements(port, resources.db.statements, [_place(f"count-a{n}", rng) for n in range(5)], 0)
        bodies = [_place(f"count-b{n}", rng) for n in range(10)]
        return await count_statements(port, resources.db.statements, bodies, 1, warm=False)


def _place(key: str, rng: random.Random) -> dict[str, Any]:
    return {"query": PLACE, "variables": {"input": order(key, rng, WARM)}}


async def main(
    orders: int, clients: int, workers: int, repeats: int = 1, executors: tuple[str, ...] = EXECUTORS
) -> dict[str, Any]:
    """`repeats` runs, each on fresh databases (the floors as well), reported by the run of median ratio of the
    first executor to the bare stack: on this machine one run's ratio moves by a fifth, so one run proves little."""
    runs = [await once(orders, clients, workers, executors[:: -1 if n % 2 else 1]) for n in range(repeats)]
    first = executors[0]
    result = sorted(runs, key=lambda r: r["executors"][first]["bare_ratio"])[len(runs) // 2]
    result["runs"] = [
        {
            "floor_per_second": r["floor"]["per_second"],
            "bare_per_second": r["bare"]["requests_per_second"],
            **{
                e: {k: x[k] for k in ("ratio", "bare_ratio")} | {"per_second": x["ours"]["requests_per_second"]}
                for e, x in r["executors"].items()
            },
        }
        for r in runs
    ]
    write_result(f"place_order_w{workers}", result)
    print(result["markdown"])
    print("ours / bare stack per run:", [{e: r["executors"][e]["bare_ratio"] for e in executors} for r in runs])
    return result


async def measure(executor: str, orders: int, clients: int, workers: int, *, count: bool) -> dict[str, Any]:
    """Our server under one executor on a freshly seeded database, which is checked afterwards."""
    async with scratch_database() as url:
        await seed(url, per_location=30)  # 10 SKUs x 5 locations x 30 = 1,500 units
        port = free_port()
        env = {
            **SERVER_ENV,  # the admin token "bench", and no rate limit on the one load-generating client
            "DATABASE_URL": url,
            "REDIS_URL": REDIS,
            # As many connections as the floor's pool: below the concurrency, SQLAlchemy opens and closes
            # overflow connections per burst (a PostgreSQL backend forked each time).
            "OMS_DB_POOL_SIZE": str(clients),
            "OMS_EXECUTOR": executor,
        }
        command = ["-m", "uvicorn", "oms.asgi:app", "--port", str(port), "--no-access-log", "--workers", str(workers)]
        command += ["--timeout-keep-alive", "60"]
        print(f"  placeOrder, {workers} worker(s), OMS_EXECUTOR={executor}", flush=True)
        with server(command, env, port) as process:
            warm = await warm_up(port, clients)
            cpu_before = cpu_seconds(process.pid)
            ours = await drive(port, orders, clients)
            ours["cpu_ms_per_request"] = round((cpu_seconds(process.pid) - cpu_before) * 1000 / orders, 2)
            ours["peak_rss_mb"] = peak_rss_mb(process.pid)
        verdict = await check(url, ours.pop("order_ids") | warm)
        print(verdict)
        assert verdict["oversold_positions"] == 0, "oversold!"
        assert verdict["reserved_units"] == verdict["ordered_units"], "reservations and orders disagree"
        stored, acknowledged = verdict["orders_stored"], verdict["orders_acknowledged"]
        assert stored == acknowledged == ours["placed"] + len(warm), "lost or extra orders"
        assert ours["keys_with_two_orders"] == 0, "an idempotency key made two orders"
        # Counted by an in-process copy of the server under the default executor (the statements are the resolvers').
        ours["statements_per_request"] = await statements(url, clients) if count else None
    return {"ours": ours, "verdict": verdict}


async def once(orders: int, clients: int, workers: int, executors: tuple[str, ...]) -> dict[str, Any]:
    """One run: each executor on its own fresh database, then the raw floor and the bare stack on another."""
    found = {e: await measure(e, orders, clients, workers, count=n == 0) for n, e in enumerate(executors)}
    counted = found[executors[0]]["ours"]["statements_per_request"]
    async with scratch_database() as url:
        await seed(url, per_location=30)
        base = await floor(url, orders, clients)
        bare = await bare_stack(url, orders, clients, workers)
    rows = [
        "| executor | workers | clients | requests | orders/s | p50 ms | p99 ms | CPU ms/order | placed | refused "
        "| errors | oversold | floor ops/s | ours / floor | bare stack orders/s | bare CPU ms/order "
        "| ours / bare stack |",
        "|---" * 17 + "|",
    ]
    for executor in sorted(found, key=EXECUTORS.index):
        x = found[executor]
        ours, verdict = x["ours"], x["verdict"]
        ours["statements_per_request"] = counted
        x["ratio"] = round(ours["requests_per_second"] / base["per_second"], 2)
        x["bare_ratio"] = round(ours["requests_per_second"] / bare["requests_per_second"], 2)
        x["target_met"] = x["bare_ratio"] >= TARGET_BARE_RATIO
        rows.append(
            f"| {executor} | {workers} | {clients} | {ours['requests']} | {ours['requests_per_second']} "
            f"| {ours['p50_ms']} | {ours['p99_ms']} | {ours['cpu_ms_per_request']} | {ours['placed']} "
            f"| {ours['refused']} | {ours['errors']} | {verdict['oversold_positions']} | {base['per_second']} "
            f"| {x['ratio']} | {bare['requests_per_second']} | {bare['cpu_ms_per_request']} | {x['bare_ratio']} |"
        )
    result = {
        "workers": workers,
        "clients": clients,
        "orders": orders,
        "target": {"ours_over_bare_at_least": TARGET_BARE_RATIO},
        "executors": {e: found[e] for e in sorted(found, key=EXECUTORS.index)},
        "floor": base,
        "bare": bare,
        "markdown": "\n".join(rows),
    }
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--executors", default=",".join(EXECUTORS), help="comma-separated OMS_EXECUTOR values")
    args = parser.parse_args()
    asyncio.run(main(args.orders, args.clients, args.workers, args.repeats, tuple(args.executors.split(","))))
