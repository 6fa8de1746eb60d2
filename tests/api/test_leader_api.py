"""One leader for background work: exactly one replica leads, a follower takes over when it dies."""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from app.leader import Leadership
from app.store import migrate
from app.store.db import Database
from tests.api.checkout import create
from tests.api.network import location, sync, update, upsert_locations
from tests.api.test_sourcing_simulation_api import READ, SIMULATE, window
from tests.backends import Backend, create_pg_database, drop_pg_database
from tests.harness import ADMIN_TOKEN, Api, Client
from tests.servers import server_process

INTERVAL = 0.3
LEADER = re.compile(r"^oms_background_leader (\S+)$", re.M)


@pytest.fixture
async def fresh_pg(backend: Backend) -> AsyncIterator[Backend]:
    """PostgreSQL: a database of its own (the session server leads the shared one). SQLite: the backend,
    migrated (the session server, which would have done so, may not have started when a test runs alone)."""
    if backend.name != "postgres":
        db = Database(backend.database_url)
        try:
            await migrate.upgrade(db)
        finally:
            await db.dispose()
        yield backend
        return
    url, name = await create_pg_database()
    db = Database(url)
    try:
        await migrate.upgrade(db)  # `uvicorn oms.asgi:app` serves a migrated database
        await db.dispose()
        yield Backend("postgres", url, backend.redis_url)
    finally:
        await drop_pg_database(name)


async def _leads(client: httpx.AsyncClient, base: str) -> int:
    text = (await client.get(f"{base}/metrics")).text
    found = LEADER.search(text)
    assert found is not None, text[-2000:]
    return int(float(found.group(1)))


async def test_the_session_server_reports_whether_it_leads(api: Api) -> None:
    assert await _leads(api.http, "") == 1  # alone on its database (SQLite: always)


async def test_one_lock_one_leader_and_a_cut_off_leader_stops_at_its_next_check(fresh_pg: Backend) -> None:
    first, second = Leadership(fresh_pg.database_url), Leadership(fresh_pg.database_url)
    if fresh_pg.name == "sqlite":  # one process, no lock to take: it always leads
        assert (await first.check(), await second.check()) == (True, True)
        await first.release()
        assert first.still_leading() is True
        return
    try:
        assert await first.check() is True
        assert await second.check() is False
        assert await first.check() is True  # the leader's session checked alive
        admin = await asyncpg.connect(_dsn(fresh_pg))
        try:  # the leader's session is cut (a network partition, a DBA, a failover)
            await admin.execute(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            )
        finally:
            await admin.close()
        assert await second.check() is True  # the lock went with the session: a follower takes it
        assert await first.check() is False  # fencing: the cut-off leader stops instead of working beside it
        await second.release()
        assert await first.check() is True
    finally:
        await first.release()
        await second.release()


async def test_a_follower_takes_over_within_an_interval_when_the_leader_is_killed(fresh_pg: Backend) -> None:
    settings = {"OMS_SCHEDULER_INTERVAL_SECONDS": str(INTERVAL)}
    if fresh_pg.name == "sqlite":  # a SQLite deployment is one process, and it leads
        async with server_process(fresh_pg, **settings) as alone, httpx.AsyncClient() as client:
            assert await _leads(client, alone.server.base_url) == 1
        return
    async with (
        server_process(fresh_pg, **settings) as one,
        server_process(fresh_pg, **settings) as two,
        httpx.AsyncClient() as client,
    ):
        processes = {one.server.base_url: one, two.server.base_url: two}
        async with asyncio.timeout(INTERVAL * 10):
            while True:
                states = {base: await _leads(client, base) for base in processes}
                if sum(states.values()) == 1:
                    break
                await asyncio.sleep(INTERVAL / 3)
        for _ in range(5):  # and it stays one
            await asyncio.sleep(INTERVAL)
            assert sum([await _leads(client, base) for base in processes]) == 1
        leader = next(base for base, leads in states.items() if leads)
        follower = next(base for base in processes if base != leader)
        processes[leader].process.send_signal(signal.SIGKILL)
        await processes[leader].process.wait()
        loop = asyncio.get_running_loop()
        killed = loop.time()
        async with asyncio.timeout(INTERVAL * 10):
            while not await _leads(client, follower):  # noqa: ASYNC110 - polling another process
                await asyncio.sleep(INTERVAL / 10)
        took = loop.time() - killed
        assert took <= INTERVAL * 2 + 0.5, took  # its next try, one interval (plus a scheduler window) away

        # and the work goes on there: a hold past its time is ended by the new leader's sweeper
        survivor = Client(httpx.AsyncClient(base_url=follower))
        try:
            await upsert_locations(survivor, location("s1"))
            await survivor.gql('mutation { upsertItems(input: [{sku: "A", category: "c"}]) { count } }')
            await sync(survivor, "SNAPSHOT", update("A", "s1", 5))
            hold = (await create(survivor, ADMIN_TOKEN, key="h1", quantity=2))["hold"]
            await _lapse(fresh_pg, hold["id"])
            async with asyncio.timeout(INTERVAL * 10):
                while await _stored_status(fresh_pg, hold["id"]) != "EXPIRED":  # noqa: ASYNC110 - another process
                    await asyncio.sleep(INTERVAL / 3)
        finally:
            await survivor.http.aclose()


def _dsn(backend: Backend) -> str:
    return backend.database_url.replace("+asyncpg", "")


async def _lapse(backend: Backend, hold_id: str) -> None:
    conn = await asyncpg.connect(_dsn(backend))
    try:
        past = "now() - interval '1 second'"
        await conn.execute(f"UPDATE checkout_holds SET expires_at = {past} WHERE id = $1", hold_id)
        await conn.execute(f"UPDATE hold_lines SET expires_at = {past} WHERE hold_id = $1", hold_id)
    finally:
        await conn.close()


async def _stored_status(backend: Backend, hold_id: str) -> str:
    conn = await asyncpg.connect(_dsn(backend))
    try:
        return str(await conn.fetchval("SELECT status FROM checkout_holds WHERE id = $1", hold_id))
    finally:
        await conn.close()


async def test_a_simulation_queued_on_a_follower_runs_on_the_leader_at_once(fresh_pg: Backend) -> None:
    """The leader hears of it through pub/sub, not at its next tick (30 s here). SQLite: its one process leads
    and wakes its own scheduler."""
    settings = {"OMS_SCHEDULER_INTERVAL_SECONDS": "30"}
    replicas = 2 if fresh_pg.name == "postgres" else 1
    async with contextlib.AsyncExitStack() as stack:
        client = await stack.enter_async_context(httpx.AsyncClient())
        processes = [await stack.enter_async_context(server_process(fresh_pg, **settings)) for _ in range(replicas)]
        for _ in range(100):
            if sum(states := [await _leads(client, p.server.base_url) for p in processes]) == 1:
                break
            await asyncio.sleep(0.1)
        asker = processes[states.index(0)] if replicas == 2 else processes[0]
        at_asker = Client(await stack.enter_async_context(httpx.AsyncClient(base_url=asker.server.base_url)))
        queued = (await at_asker.gql(SIMULATE, {"input": window()}))["simulateSourcing"]
        assert queued["userErrors"] == [], queued
        for _ in range(200):  # 10 s at most: well before the leader's next tick
            found = (await at_asker.gql(READ, {"id": queued["simulation"]["id"]}))["sourcingSimulation"]
            if found["status"] not in ("QUEUED", "RUNNING"):
                break
            await asyncio.sleep(0.05)
        assert (sum(states), found["status"]) == (1, "SUCCEEDED"), (states, found)
