"""What the fault probes share: a fresh migrated database, a storm of placeOrder that retries the way a client
should (the same idempotency key, on UNAVAILABLE or a dropped connection), and the exact-stock check."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis.asyncio as aioredis
from sqlalchemy import text

from app.store import migrate
from app.store.db import Database
from tests.api.network import availability, location, sync, update, upsert_locations
from tests.api.test_orders_api import order_input
from tests.backends import Backend, create_pg_database, drop_pg_database
from tests.harness import ADMIN_TOKEN, Client
from tests.servers import free_port

PLACE = "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } userErrors { code } } }"
SKU, STORE = "A", "s1"
UNLIMITED = "0"  # OMS_RATE_LIMIT_PER_MINUTE: a storm of one caller is the probe, not abuse


@contextlib.asynccontextmanager
async def fresh_database(backend: Backend, tmp_path: Path, *, migrated: bool = True) -> AsyncIterator[Backend]:
    """A database of the probe's own (PostgreSQL: a new one; SQLite: a new file), migrated unless told not."""
    if backend.name == "postgres":
        url, name = await create_pg_database()
    else:
        url, name = f"sqlite+aiosqlite:///{tmp_path / 'probe.db'}", ""
    if migrated:
        db = Database(url)
        await migrate.upgrade(db)
        await db.dispose()
    try:
        yield Backend(backend.name, url, backend.redis_url)
    finally:
        if name:
            await drop_pg_database(name)


async def stocked(client: Client, units: int) -> None:
    """One store with `units` of one SKU."""
    await upsert_locations(client, location(STORE))
    await client.gql(f'mutation {{ upsertItems(input: [{{sku: "{SKU}", category: "c"}}]) {{ count }} }}')
    await sync(client, "SNAPSHOT", update(SKU, STORE, units))


@dataclass
class Storm:
    acknowledged: dict[str, str] = field(default_factory=dict)  # idempotency key -> order id, as answered
    answers: Counter[str] = field(default_factory=Counter)  # "ok", "UNAVAILABLE", "transport", other codes
    retried: set[str] = field(default_factory=set)  # keys sent more than once


async def storm(
    bases: Callable[[], list[str]],
    keys: list[str],
    *,
    concurrency: int = 16,
    attempts: int = 60,
    into: Storm | None = None,
) -> Storm:
    """Place one unit per key; on UNAVAILABLE or a transport error, retry the same key on the next server
    `bases()` lists (another replica, or the same one), as a client should. Any other error ends that key.
    `into` is filled as answers come (a test watching the storm's progress)."""
    result = into if into is not None else Storm()
    queue: asyncio.Queue[str] = asyncio.Queue()
    for key in keys:
        queue.put_nowait(key)
    headers = {"authorization": f"Bearer {ADMIN_TOKEN}"}

    async def one(http: httpx.AsyncClient, key: str, worker: int) -> None:
        for attempt in range(attempts):
            servers = bases()
            base = servers[(worker + attempt) % len(servers)]
            body = {"query": PLACE, "variables": {"input": order_input(key=key, lines=[(SKU, 1)])}}
            try:
                answer = (await http.post(f"{base}/graphql", json=body, headers=headers)).json()
            except (httpx.TransportError, ValueError):
                code = "transport"
            else:
                errors = answer.get("errors") or []
                code = errors[0].get("extensions", {}).get("code", "?") if errors else "ok"
                placed = (answer.get("data") or {}).get("placeOrder") or {}
                if code == "ok" and placed.get("userErrors"):
                    code = placed["userErrors"][0]["code"]
            result.answers[code] += 1
            if code == "ok":
                result.acknowledged[key] = placed["order"]["id"]
                return
            if code not in ("UNAVAILABLE", "transport"):
                return
            result.retried.add(key)
            await asyncio.sleep(0.05 * min(attempt + 1, 10))

    async def work(worker: int) -> None:
        async with httpx.AsyncClient(timeout=10) as http:
            while not queue.empty():
                await one(http, queue.get_nowait(), worker)

    await asyncio.gather(*(work(i) for i in range(concurrency)))
    return result


async def stored_orders(backend: Backend) -> dict[str, list[str]]:
    """Idempotency key -> the ids of the orders stored under it, read straight from the database."""
    db = Database(backend.database_url)
    try:
        async with db.read() as conn:
            rows = (await conn.execute(text("SELECT idempotency_key, id FROM orders"))).all()
    finally:
        await db.dispose()
    found: dict[str, list[str]] = {}
    for key, order_id in rows:
        found.setdefault(str(key), []).append(str(order_id))
    return found


async def assert_exact(client: Client, backend: Backend, run: Storm, keys: list[str], on_hand: int) -> None:
    """Every acknowledged order exists under its key, every key gave exactly one order, and ATP is on hand
    minus reserved with reserved the units of those orders (one each)."""
    assert set(run.answers) <= {"ok", "UNAVAILABLE", "transport"}, run.answers
    stored = await stored_orders(backend)
    assert set(stored) == set(keys), (len(stored), len(keys))
    assert all(len(ids) == 1 for ids in stored.values())
    assert all(stored[key] == [order_id] for key, order_id in run.acknowledged.items())
    assert set(run.acknowledged) == set(keys)
    [row] = await availability(client, [SKU])
    assert (row["onHand"], row["reserved"], row["atp"]) == (on_hand, len(keys), on_hand - len(keys)), row


@contextlib.asynccontextmanager
async def private_redis(port: int | None = None) -> AsyncIterator[tuple[str, asyncio.subprocess.Process]]:
    """A Redis of the test's own (the shared one on 6379 must never be stopped): (url, process)."""
    port = port or free_port()
    process = await asyncio.create_subprocess_exec(
        *("redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = aioredis.from_url(url)
        try:
            for _ in range(100):
                with contextlib.suppress(Exception):
                    await client.ping()
                    break
                await asyncio.sleep(0.05)
        finally:
            await client.aclose()
        yield url, process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGCONT)  # a stopped process would not act on SIGTERM
            process.terminate()
            await asyncio.wait_for(process.wait(), 10)
