"""The two backends every API test runs on: SQLite, and PostgreSQL with Redis.

Locally a missing PostgreSQL or Redis is a visible skip; with CI=true it is a
failure. Each session gets its own PostgreSQL database (created and dropped
here) and its own Redis channel prefix, so parallel runs never meet.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import asyncpg
import pytest
import redis.asyncio as aioredis
from sqlalchemy.engine import make_url

from app.config import Settings
from tests.harness import ADMIN_TOKEN

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class Backend:
    name: str
    database_url: str
    redis_url: str | None


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(what: str, error: Exception) -> None:
    message = f"{what} unavailable: {type(error).__name__}: {error}"
    if in_ci():
        pytest.fail(message + " (CI=true: a missing service is a failure)", pytrace=False)
    pytest.skip(message)


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def create_pg_database() -> tuple[str, str]:
    """A fresh database next to OMS_TEST_DATABASE_URL; returns (url, name)."""
    base = os.environ.get("OMS_TEST_DATABASE_URL", DEFAULT_PG)
    # os.urandom, not uuid.uuid4: the differential twins patch uuid4 with a seeded draw,
    # and a name that repeats collides with a concurrent run or a killed run's leftover.
    name = f"oms_test_{os.urandom(6).hex()}"
    try:
        conn = await asyncpg.connect(_asyncpg_dsn(base), timeout=5)
    except Exception as error:
        unavailable("PostgreSQL", error)
        raise
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return make_url(base).set(database=name).render_as_string(hide_password=False), name


async def drop_pg_database(name: str) -> None:
    base = os.environ.get("OMS_TEST_DATABASE_URL", DEFAULT_PG)
    conn = await asyncpg.connect(_asyncpg_dsn(base), timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def check_redis() -> str:
    url = os.environ.get("OMS_TEST_REDIS_URL", DEFAULT_REDIS)
    client = aioredis.from_url(url)
    try:
        await client.ping()
    except Exception as error:  # noqa: BLE001
        unavailable("Redis", error)
    finally:
        await client.aclose()
    return url


def settings_for(backend: Backend, **overrides: object) -> Settings:
    return Settings(
        database_url=backend.database_url,
        redis_url=backend.redis_url,
        admin_token=ADMIN_TOKEN,
        pubsub_prefix=f"oms-test-{uuid.uuid4().hex[:8]}",
        log_level="WARNING",
        webhook_allow_private=True,  # the tests' receivers listen on 127.0.0.1
        scheduler_interval_seconds=0.1,
        webhook_retry_base_seconds=0.05,
        rate_limit_per_minute=0,  # one server serves the whole session; rate limits are tested on their own
        executor=os.environ.get("OMS_EXECUTOR", "planned"),  # `make test-reference` runs the suite on graphql-core
    ).with_(**overrides)
