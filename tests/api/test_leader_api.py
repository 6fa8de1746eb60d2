"""One leader for background work: exactly one replica leads, a follower takes over when it dies."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from app.leader import Leadership
from app.store import migrate
from app.store.db import Database
from tests.api.checkout import create
from tests.api.test_orders_api import order_input
from tests.api.test_sourcing_simulation_api import READ, SIMULATE, window
from tests.backends import Backend, create_pg_database, drop_pg_database
from tests.faults import PLACE, SKU, stocked
from tests.harness import ADMIN_TOKEN, Api, Client
from tests.receiver import Received, Receiver, receiving
from tests.servers import server_process

INTERVAL = 0.5
LEADER = re.compile(r"^oms_background_leader (\S+)$", re.M)
SINCE = re.compile(r"^oms_background_leader_since_seconds (\S+)$", re.M)
RUNS = re.compile(r'^oms_background_job_runs_total\{job="(\w+)",outcome="ok"\} (\S+)$', re.M)


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
    """Two real processes: only the leader runs jobs (the follower's run counters stay at zero), once per
    interval; after a SIGKILL the follower leads within one interval, and every event either committed is
    delivered, none under two ids, the ones before the kill exactly once."""
    settings = {"OMS_SCHEDULER_INTERVAL_SECONDS": str(INTERVAL), "OMS_WEBHOOK_ALLOW_PRIVATE": "1"}
    if fresh_pg.name == "sqlite":  # a SQLite deployment is one process, and it leads
        async with server_process(fresh_pg, **settings) as alone, httpx.AsyncClient() as client:
            assert await _leads(client, alone.server.base_url) == 1
        return
    async with (
        receiving() as hook,
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
        leader = next(base for base, leads in states.items() if leads)
        follower = next(base for base in processes if base != leader)
        at = {base: Client(httpx.AsyncClient(base_url=base)) for base in processes}
        try:
            before = await _runs(client, leader)
            for _ in range(5):  # it stays one, and only the leader works, once per interval
                await asyncio.sleep(INTERVAL)
                assert sum([await _leads(client, base) for base in processes]) == 1
            ticks = (await _runs(client, leader)).get("hold_sweep", 0) - before.get("hold_sweep", 0)
            assert 3 <= ticks <= 7, ticks  # once per interval (a loaded machine stretches a tick)
            assert await _runs(client, follower) == {}, "a follower runs no job"

            register = """mutation($url: String!) { registerWebhook(input: {url: $url, events: ["order.created"],
                secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}) { userErrors { code } } }"""
            assert (await at[leader].gql(register, {"url": hook.url}))["registerWebhook"]["userErrors"] == []
            await stocked(at[leader], 100)
            for i in range(6):  # events committed on both replicas, sent by the leader's relay alone
                await _order(at[leader if i % 2 else follower], f"before-{i}")
            await hook.wait_for(6)
            await asyncio.sleep(INTERVAL * 3)  # time for a second relay to send any of them again
            assert sorted(Counter(_ids(hook)).values()) == [1] * 6, "each event sent once while both lived"

            for i in range(4):  # committed just before the kill: the leader may or may not have sent them
                await _order(at[leader if i % 2 else follower], f"dying-{i}")
            processes[leader].process.send_signal(signal.SIGKILL)
            await processes[leader].process.wait()
            killed = time.time()
            async with asyncio.timeout(INTERVAL * 10):
                while not await _leads(client, follower):  # noqa: ASYNC110 - polling another process
                    await asyncio.sleep(INTERVAL / 10)
            took = await _leader_since(client, follower) - killed  # as the follower itself saw it
            assert took <= INTERVAL + 0.5, took  # its next try, within one interval (+ a loaded machine's delays)

            for i in range(2):
                await _order(at[follower], f"after-{i}")
            await hook.wait_for(12, seconds=INTERVAL * 20)
            await asyncio.sleep(INTERVAL * 3)
            assert len(set(_ids(hook))) == 12, "every event delivered, none skipped"
            assert len({_identity(x) for x in hook.received}) == 12, "no event sent under two ids"
            assert (await _runs(client, follower)).get("hold_sweep", 0) >= 1, "the new leader works"
            print(
                f"\nleader: hold sweep ran {ticks} times in 5 intervals, the follower no job; takeover {took:.2f} s "
                f"after SIGKILL (interval {INTERVAL} s); 12 events, {len(hook.received)} arrivals"
            )

            # and a hold past its time is ended by the new leader's sweeper
            hold = (await create(at[follower], ADMIN_TOKEN, key="h1", quantity=2))["hold"]
            await _lapse(fresh_pg, hold["id"])
            async with asyncio.timeout(INTERVAL * 10):
                while await _stored_status(fresh_pg, hold["id"]) != "EXPIRED":  # noqa: ASYNC110 - another process
                    await asyncio.sleep(INTERVAL / 3)
        finally:
            for api in at.values():
                await api.http.aclose()


async def _leader_since(client: httpx.AsyncClient, base: str) -> float:
    found = SINCE.search((await client.get(f"{base}/metrics")).text)
    assert found is not None
    return float(found.group(1))


async def _runs(client: httpx.AsyncClient, base: str) -> dict[str, int]:
    """Background job runs this replica made, by job (from its /metrics)."""
    text = (await client.get(f"{base}/metrics")).text
    return {job: int(float(n)) for job, n in RUNS.findall(text)}


async def _order(client: Client, key: str) -> None:
    placed = (await client.gql(PLACE, {"input": order_input(key=key, lines=[(SKU, 1)])}))["placeOrder"]
    assert placed["order"] is not None, placed


def _ids(hook: Receiver) -> list[str]:
    return [x.headers["webhook-id"] for x in hook.received]


def _identity(arrival: Received) -> str:
    payload = json.loads(arrival.body)
    return json.dumps([payload["type"], payload["data"]["order"]["id"]])


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
