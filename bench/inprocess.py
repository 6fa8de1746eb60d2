"""In-process floors of the storefront scenarios: no HTTP, no GraphQL, and for the cart no SQL.

- cart: the pure part of the same fulfillment-options computation (sourcing
  plans for ship, 5 pickup stores and same day, with ETAs) on the very inputs
  the server read;
- PLP: one raw SQL query of the page's positions (asyncpg; the sqlite3 module).

Each reports latency figures and CPU per call (this process's CPU time).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import Any

import asyncpg

from app.services import options
from app.services import sourcing as routing
from app.services.uow import utc_now
from bench.common import Figures, figures
from bench.scenarios import CARTS, HOME, PLP_PAGES
from domain import sourcing
from domain.locations import FulfillmentMethod

Timed = tuple[Figures, float]  # figures, CPU ms per call


def _timed(job: Callable[[], object], runs: int, seconds: float) -> Timed:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    began, cpu = time.perf_counter(), time.process_time()
    while len(latencies) < runs and time.perf_counter() < deadline:
        started = time.perf_counter()
        job()
        latencies.append(time.perf_counter() - started)
    cpu = time.process_time() - cpu
    return figures(latencies, 0, time.perf_counter() - began), round(cpu * 1000 / max(1, len(latencies)), 3)


async def _timed_async(job: Callable[[], Any], runs: int, seconds: float) -> Timed:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    began, cpu = time.perf_counter(), time.process_time()
    while len(latencies) < runs and time.perf_counter() < deadline:
        started = time.perf_counter()
        await job()
        latencies.append(time.perf_counter() - started)
    cpu = time.process_time() - cpu
    return figures(latencies, 0, time.perf_counter() - began), round(cpu * 1000 / max(1, len(latencies)), 3)


async def cart_floor(resources: Any, seconds: float) -> Timed:
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


async def raw_sql_floor(database_url: str, seconds: float) -> Timed:
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
