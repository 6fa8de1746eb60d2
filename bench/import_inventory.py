"""Benchmark: `oms import-inventory` of 1,000,000 snapshot lines, against the floor.

The file: 200 locations x 5,000 SKUs, one snapshot line per position, CSV.
The import runs as a user runs it (the CLI, in its own process) on PostgreSQL
and on SQLite, into a fresh database holding the 200 locations. The floor is
PostgreSQL's own COPY of the same file into an unlogged table.

    python -m bench.import_inventory [--lines N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg

from app.pubsub import InProcessBroker
from app.services import network
from app.services.uow import UnitOfWork
from app.store import migrate
from app.store.db import Database
from bench.common import ROOT, write_result
from bench.datasets import bench_locations
from bench.pg import scratch_database


def write_feed(path: Path, lines: int, locations: int = 200) -> None:
    rng = random.Random(3)
    skus = max(1, lines // locations)
    with path.open("w", encoding="utf-8") as out:
        out.write("sku,location_id,quantity,as_of\n")
        for n in range(lines):
            out.write(f"I-{n % skus:06d},loc-{n // skus % locations:03d},{rng.randint(0, 50)},2026-11-20T10:00:00Z\n")


async def prepare(url: str) -> None:
    db = Database(url)
    await migrate.upgrade(db)
    await network.upsert_locations(UnitOfWork(db, InProcessBroker()), batch=bench_locations(200))
    await db.dispose()


def run_cli(url: str, feed: Path) -> tuple[float, float, float]:
    """Seconds, CPU seconds and peak RSS (MB) of the CLI process, from its own resource usage (wait4)."""
    env = {**os.environ, "DATABASE_URL": url, "OMS_LOG_LEVEL": "WARNING"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "oms.cli", "import-inventory", str(feed), "--source", "bench"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=err,
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise RuntimeError(err.read().decode()[-2000:])
        print(" ", out.read().decode().strip(), flush=True)
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


async def count_positions(url: str) -> int:
    db = Database(url)
    async with db.read() as conn:
        from app.store.positions import count_positions as count

        total = await count(conn)
    await db.dispose()
    return total


async def copy_floor(feed: Path) -> float:
    async with scratch_database("oms_floor") as url:
        conn = await asyncpg.connect(url.replace("+asyncpg", ""))
        await conn.execute("CREATE UNLOGGED TABLE feed (sku text, location_id text, quantity int, as_of timestamptz)")
        started = time.perf_counter()
        await conn.copy_to_table("feed", source=str(feed), format="csv", header=True)
        seconds = time.perf_counter() - started
        await conn.close()
    return seconds


def _row(backend: str, measured: tuple[float, float, float], floor: float) -> dict[str, Any]:
    seconds, cpu, peak = measured
    return {
        "backend": backend,
        "seconds": round(seconds, 1),
        "floor_copy_seconds": round(floor, 3),
        "ratio": round(seconds / floor, 1),
        "cpu_seconds": round(cpu, 1),
        "peak_rss_mb": round(peak, 1),
    }


async def main(lines: int, backends: set[str]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "feed.csv"
        write_feed(feed, lines)
        floor = await copy_floor(feed)
        if "postgres" in backends:
            async with scratch_database() as url:
                await prepare(url)
                measured = run_cli(url, feed)
                assert await count_positions(url) == lines
                results.append(_row("postgres", measured, floor))
        if "sqlite" in backends:
            sqlite_url = f"sqlite+aiosqlite:///{Path(tmp) / 'import.db'}"
            await prepare(sqlite_url)
            measured = run_cli(sqlite_url, feed)
            assert await count_positions(sqlite_url) == lines
            results.append(_row("sqlite", measured, floor))
    rows = [
        "| backend | lines | seconds | positions/s | PostgreSQL COPY floor s | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        r["lines"] = lines
        r["positions_per_second"] = round(lines / r["seconds"])
        rows.append(
            f"| {r['backend']} | {lines:,} | {r['seconds']} | {r['positions_per_second']:,} "
            f"| {r['floor_copy_seconds']} | {r['ratio']}x |"
        )
    markdown = "\n".join(rows)
    write_result("import_inventory", {"rows": results, "markdown": markdown})
    print(markdown)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)  # `make bench` too; `make bench-quick` 100,000
    parser.add_argument("--backends", default="postgres,sqlite")
    args = parser.parse_args()
    asyncio.run(main(args.lines, set(args.backends.split(","))))
