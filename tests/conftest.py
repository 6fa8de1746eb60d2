"""Fixtures: `backend` (SQLite; PostgreSQL + Redis), a live `server` per backend, a clean `api` per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from app.store.tables import metadata
from tests.backends import Backend, check_redis, create_pg_database, drop_pg_database, settings_for
from tests.harness import Api, RunningServer, serve

BACKENDS = ("sqlite", "postgres")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        default=",".join(BACKENDS),
        help="comma-separated backends for API tests: sqlite, postgres (with Redis)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        chosen = [b.strip() for b in metafunc.config.getoption("--backend").split(",") if b.strip()]
        unknown = set(chosen) - set(BACKENDS)
        if unknown:
            raise pytest.UsageError(f"unknown backend(s): {', '.join(sorted(unknown))}")
        metafunc.parametrize("backend", chosen, indirect=True, scope="session")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "backends(*names): run this API test only on these backends")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect (not skip) backend runs a test does not apply to, e.g. cross-process fan-out without Redis."""
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        marker = item.get_closest_marker("backends")
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec else None
        (drop if marker and backend not in marker.args else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
async def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Backend]:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("sqlite") / "oms.db"
        yield Backend("sqlite", f"sqlite+aiosqlite:///{path}", None)
        return
    redis_url = await check_redis()
    url, name = await create_pg_database()
    try:
        yield Backend("postgres", url, redis_url)
    finally:
        await drop_pg_database(name)


@pytest.fixture(scope="session")
async def server(backend: Backend) -> AsyncIterator[RunningServer]:
    async with serve(settings_for(backend)) as running:
        yield running


async def wipe(server: RunningServer) -> None:
    """Empty every table: each test starts from a clean database."""
    await server.resources.sales.flush()  # counts pending from the last test must not land in this one
    scheduler = server.resources.scheduler
    await scheduler.stop()  # the relay must not hold locks while every table is emptied
    try:
        await _empty(server)
    finally:
        scheduler.start()


async def _empty(server: RunningServer) -> None:
    db = server.resources.db
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    async with db.write() as conn:
        if db.is_sqlite:
            for name in tables:
                await conn.execute(text(f'DELETE FROM "{name}"'))
        else:
            await conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in tables) + " RESTART IDENTITY CASCADE"))


@pytest.fixture
async def api(server: RunningServer) -> AsyncIterator[Api]:
    await wipe(server)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        yield Api(server, client)


@pytest.fixture
async def quiet(api: Api) -> AsyncIterator[Api]:
    """The server's own scheduler stopped: the test runs background jobs itself, at known moments."""
    scheduler = api.server.resources.scheduler
    await scheduler.stop()
    try:
        yield api
    finally:
        scheduler.start()
