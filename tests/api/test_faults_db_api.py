"""Fault probes (#26) around the database and the processes: backends terminated mid-storm, a replica
SIGKILLed mid-storm, a database that is not there at start-up. Real server processes, each probe on a
database of its own; the figures they print (`pytest -s`) are the README's "Faults" paragraph."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.backends import DEFAULT_PG, Backend, drop_pg_database
from tests.faults import UNLIMITED, Storm, assert_exact, fresh_database, stocked, storm
from tests.harness import Client
from tests.servers import ServerProcess, server_process, unready_process

ORDERS = 200
ON_HAND = 1000


def _dsn(backend: Backend) -> str:
    return make_url(backend.database_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _terminate_backends(backend: Backend, rounds: int, every: float) -> int:
    """pg_terminate_backend on every connection to the probe's database but this one, `rounds` times."""
    conn = await asyncpg.connect(_dsn(backend))
    terminated = 0
    try:
        for _ in range(rounds):
            await asyncio.sleep(every)
            terminated += int(
                await conn.fetchval(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
    finally:
        await conn.close()
    return terminated


async def test_backends_terminated_mid_storm_answer_unavailable_and_the_retry_places_one_order(
    backend: Backend, tmp_path: Path
) -> None:
    keys = [f"cut-{i}" for i in range(ORDERS)]
    async with (
        fresh_database(backend, tmp_path) as probe,
        server_process(probe, OMS_RATE_LIMIT_PER_MINUTE=UNLIMITED) as running,
        httpx.AsyncClient(base_url=running.server.base_url) as http,
    ):
        client = Client(http)
        await stocked(client, ON_HAND)
        started = time.perf_counter()
        cutting = None
        if probe.name == "postgres":
            cutting = asyncio.create_task(_terminate_backends(probe, rounds=5, every=0.2))
        run = await storm(lambda: [running.server.base_url], keys)
        terminated = await cutting if cutting is not None else 0
        print(
            f"\nterminated backends: {terminated}; answers {dict(run.answers)}; retried keys {len(run.retried)};"
            f" {time.perf_counter() - started:.1f} s"
        )
        await assert_exact(client, probe, run, keys, ON_HAND)
        if probe.name == "postgres":
            assert terminated > 0
            assert run.answers["UNAVAILABLE"] > 0  # retryable, never INTERNAL (assert_exact allows no other code)
        else:  # SQLite: a file, no connection to lose; the same storm places every order on the first try
            assert run.answers == {"ok": ORDERS}
        again = await storm(lambda: [running.server.base_url], keys[:50])  # a retry after success: same order
        assert again.acknowledged == {key: run.acknowledged[key] for key in keys[:50]}, again.answers
        await assert_exact(client, probe, run, keys, ON_HAND)


async def test_a_replica_killed_mid_storm_loses_and_duplicates_nothing(backend: Backend, tmp_path: Path) -> None:
    """PostgreSQL: two replicas, one SIGKILLed a third of the way in; clients retry on the other with the same
    key. SQLite (one process per database file): the process is killed and a new one started on the file."""
    keys = [f"kill-{i}" for i in range(ORDERS)]
    run = Storm()
    async with fresh_database(backend, tmp_path) as probe, contextlib.AsyncExitStack() as stack:
        replicas = [await stack.enter_async_context(server_process(probe, OMS_RATE_LIMIT_PER_MINUTE=UNLIMITED))]
        if probe.name == "postgres":
            replicas.append(await stack.enter_async_context(server_process(probe, OMS_RATE_LIMIT_PER_MINUTE=UNLIMITED)))
        live = [r.server.base_url for r in replicas]
        client = Client(await stack.enter_async_context(httpx.AsyncClient(base_url=live[-1])))
        await stocked(client, ON_HAND)

        async def kill() -> float:
            while len(run.acknowledged) < ORDERS // 3:  # noqa: ASYNC110 - watching another task's progress
                await asyncio.sleep(0.01)
            replicas[0].process.send_signal(signal.SIGKILL)
            await replicas[0].process.wait()
            if probe.name == "sqlite":
                started = time.perf_counter()
                restarted = await stack.enter_async_context(server_process(probe, OMS_RATE_LIMIT_PER_MINUTE=UNLIMITED))
                live[:] = [restarted.server.base_url]
                client.http.base_url = httpx.URL(restarted.server.base_url)
                return time.perf_counter() - started
            return 0.0

        killing = asyncio.create_task(kill())
        await storm(lambda: list(live), keys, into=run)
        restart = await killing
        print(f"\nanswers {dict(run.answers)}; retried keys {len(run.retried)}; restart {restart:.1f} s")
        assert run.answers["transport"] > 0 or run.retried  # the kill was felt mid-storm
        await assert_exact(client, probe, run, keys, ON_HAND)


@contextlib.asynccontextmanager
async def _absent_database(backend: Backend, tmp_path: Path) -> AsyncIterator[tuple[Backend, str]]:
    """PostgreSQL: the URL of a database not created yet (the test creates it). SQLite: a new, empty file."""
    if backend.name != "postgres":
        async with fresh_database(backend, tmp_path, migrated=False) as probe:
            yield probe, ""
        return
    name = f"oms_test_{uuid.uuid4().hex[:12]}"
    base = make_url(backend.database_url)
    try:
        yield Backend("postgres", base.set(database=name).render_as_string(hide_password=False), None), name
    finally:
        await drop_pg_database(name)


async def _ready(running: ServerProcess, http: httpx.AsyncClient) -> httpx.Response:
    return await http.get(f"{running.server.base_url}/health/ready")


@pytest.mark.parametrize("cli", [False, True], ids=["uvicorn", "oms-serve"])
async def test_a_database_absent_at_start_up_is_reported_retried_and_served_when_it_comes(
    backend: Backend, tmp_path: Path, cli: bool
) -> None:
    """Under uvicorn with OMS_MIGRATE_ON_START, and under `oms serve` (which migrates in start-up always)."""
    env = {} if cli else {"OMS_MIGRATE_ON_START": "1"}
    async with (
        _absent_database(backend, tmp_path) as (probe, name),
        unready_process(probe, cli=cli, **env) as running,
        httpx.AsyncClient(timeout=5) as http,
    ):
        client = Client(httpx.AsyncClient(base_url=running.server.base_url))
        try:
            if probe.name == "postgres":
                answer = await _ready(running, http)
                assert answer.status_code == 503, answer.text
                checks = answer.json()["checks"]
                assert checks["database"].startswith("error") and checks["migrations"] == "pending", checks
                refused = await client.raw("query { locations { id } }")
                assert refused["errors"][0]["extensions"]["code"] == "UNAVAILABLE", refused
                admin = await asyncpg.connect(
                    _dsn(Backend("postgres", DEFAULT_PG, None)).rsplit("/", 1)[0] + "/postgres"
                )
                try:
                    await admin.execute(f'CREATE DATABASE "{name}"')
                finally:
                    await admin.close()
            created = time.perf_counter()
            async with asyncio.timeout(10):
                while (await _ready(running, http)).status_code != 200:  # noqa: ASYNC110 - another process
                    await asyncio.sleep(0.05)
            print(f"\nready {time.perf_counter() - created:.2f} s after the database came")
            await stocked(client, 5)  # the tables are there: migrations ran in the server
        finally:
            await client.http.aclose()
