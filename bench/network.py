"""The fixed large network (`oms seed --scale large`), seeded once and cached between runs.

Seeding ~2,000,000 positions takes about 50 s on PostgreSQL, so the seeded
database is kept: on PostgreSQL as a template database, on SQLite as a file
under var/bench-cache/. Both are keyed by the generator's version
(app/scale.py GENERATOR_VERSION) and the migration head, so a change to either
seeds afresh. Each run gets its own copy (CREATE DATABASE ... TEMPLATE; a file
copy), never the cached original.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

from app import scale as scale_network
from app.store import migrate
from bench.common import PG_ADMIN, ROOT

CACHE_DIR = ROOT / "var" / "bench-cache"


def cache_key(scale: str) -> str:
    return f"{scale}_g{scale_network.GENERATOR_VERSION}_m{migrate.head_revision()}"


def _pg_url(name: str) -> str:
    return PG_ADMIN.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0] + f"/{name}"


def _seed(url: str, scale: str) -> float:
    """`oms seed --scale`, as a user runs it."""
    started = time.perf_counter()
    env = {**os.environ, "DATABASE_URL": url, "OMS_LOG_LEVEL": "WARNING"}
    done = subprocess.run(
        [sys.executable, "-m", "oms.cli", "seed", "--scale", scale],
        check=False,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    print(f"  {done.stdout.strip()} in {time.perf_counter() - started:.0f} s", flush=True)
    return time.perf_counter() - started


@asynccontextmanager
async def postgres(scale: str = "large") -> AsyncIterator[str]:
    """A fresh copy of the cached seeded database; yields its SQLAlchemy URL and drops it afterwards."""
    cached = f"oms_cache_{cache_key(scale)}"
    admin = await asyncpg.connect(PG_ADMIN)
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", cached):
            building = f"{cached}_building"
            await admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{building}"')
            print(f"seeding the {scale} network on PostgreSQL (cached as {cached} for later runs)", flush=True)
            _seed(_pg_url(building), scale)
            await admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{cached}"')
        name = f"oms_bench_{uuid.uuid4().hex[:8]}"
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{cached}"')
    finally:
        await admin.close()
    try:
        yield _pg_url(name)
    finally:
        admin = await asyncpg.connect(PG_ADMIN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def sqlite(work: Path, scale: str = "large") -> str:
    """A copy of the cached seeded SQLite file in `work`; returns its SQLAlchemy URL."""
    cached = CACHE_DIR / f"{cache_key(scale)}.db"
    if not cached.exists():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        building = cached.with_suffix(".building")
        building.unlink(missing_ok=True)
        print(f"seeding the {scale} network on SQLite (cached as {cached} for later runs)", flush=True)
        _seed(f"sqlite+aiosqlite:///{building}", scale)
        building.rename(cached)
    copy = work / f"{scale}.db"
    shutil.copyfile(cached, copy)
    return f"sqlite+aiosqlite:///{copy}"
