"""Use cases of operations reporting: keeping the hourly rollups, and reading them as a report.

The rollups are kept by the scheduler's `roll_up`, on the leader. It reads
which orders changed (their own row or a fulfillment's) since its watermark,
recounts the placed hours those orders belong to from the facts, and writes
those hours' rows whole together with the new watermark. The watermark moves
only if its run count is still the one this run read (a fenced claim), so of
two runs that raced, one commits and the other rolls back: each change is
counted once, whichever replica ran. A crash before the commit leaves the
watermark where it was, and the next run (after a restart, on any replica)
takes the same changes again. Recounting, never incrementing, makes a repeat
harmless besides.

Changes are read up to `SETTLE` ago: a transaction stamps its rows with its
start time, so a change that committed late but is stamped before the
watermark would be missed; waiting `SETTLE` lets every transaction shorter
than that commit before its stamp is passed.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from app.resources import Resources
from app.services.uow import utc_now
from app.store import reporting as store
from app.store.db import Database
from domain import reporting
from domain.reporting import Bucket, Granularity, Report, Tally

SETTLE = timedelta(seconds=2)
# A command's `updated_at` is its transaction's start, which may precede a lock or pool wait: a change can
# commit stamped before a watermark that already passed it. Whenever there is news, the hours changed this
# long before the watermark are recounted too (recounting is idempotent), so such a change is not lost.
LOOKBACK = timedelta(minutes=10)
METRICS_WINDOW_HOURS = 24  # /metrics: the store orders placed in the last 24 hours (this one included)


class LostClaim(Exception):
    """Another run committed first; this one rolls back (its work is the other's)."""


async def roll_up(resources: Resources, now: datetime | None = None) -> int:
    """Recount the hours whose orders changed since the watermark; the number of hours recounted. An idle
    run is one read, with no write lock taken."""
    horizon = (now or utc_now()) - SETTLE
    async with resources.db.read() as conn:
        since, runs = await store.watermark(conn)
        if horizon <= since:
            return 0
        if not await store.changed_hours(conn, since, horizon):
            return 0
        hours = await store.changed_hours(conn, since - LOOKBACK, horizon)
        orders, fulfillments = await store.facts(conn, hours)
        tallies = reporting.roll_up(orders, fulfillments, await store.turnarounds(conn))
    uow = resources.uow()
    try:
        async with uow:
            if not await store.advance(uow.conn, runs, horizon):
                raise LostClaim
            await store.replace(uow.conn, hours, tallies)
    except LostClaim:
        return 0
    return len(hours)


async def _read(db: Database, query: Callable[..., Awaitable[Sequence[Any]]], *args: Any) -> Sequence[Any]:
    async with db.read() as conn:
        return await query(conn, *args)


def _tallies(sums: Sequence[Any], hist: Sequence[Any], key: Any) -> dict[Any, Tally]:
    out: dict[Any, Tally] = defaultdict(Tally)
    for row in sums:
        out[key(row)].counts.update({k: int(getattr(row, k) or 0) for k in reporting.COUNTS})
    for row in hist:
        out[key(row)].minutes[row.measure][row.minutes] += int(row.n)
    return out


async def operations_report(
    db: Database,
    *,
    start: datetime,
    end: datetime,
    granularity: Granularity,
    location_ids: frozenset[str] | None,
    channel: str | None,
) -> Report:
    """Buckets between `start` and `end` over these locations (None: all) and channel (None: all). Raises
    `InvalidInput` for a bad range. Three statements on three connections, side by side on PostgreSQL: the
    counts per bucket, the medians per bucket and the medians of the whole range."""
    reporting.check_range(start, end, granularity)
    starts = reporting.bucket_starts(start, end, granularity)
    if (location_ids is not None and not location_ids) or not starts:
        return reporting.report(starts, {}, {}, {}, start=start, granularity=granularity)
    scope = (starts[0], end, location_ids, channel)
    sums, per_bucket, overall = await asyncio.gather(
        _read(db, partial(store.counts, granularity=granularity), *scope),
        _read(db, partial(store.medians, granularity=granularity), *scope),
        _read(db, partial(store.medians, granularity=None), *scope),
    )
    counts = {_instant(row[0]): dict(zip(reporting.COUNTS, map(int, row[1:]), strict=True)) for row in sums}
    medians: dict[datetime, dict[str, float | None]] = defaultdict(dict)
    for row in per_bucket:
        medians[_instant(row.bucket)][row.measure] = reporting.middle(row.low, row.high)
    total = {row.measure: reporting.middle(row.low, row.high) for row in overall}
    return reporting.report(starts, counts, medians, total, start=start, granularity=granularity)


def _instant(value: datetime | str) -> datetime:
    """A bucket as the database returns it (SQLite: text) as an aware UTC time."""
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


async def location_measures(db: Database, now: datetime | None = None) -> dict[str, Bucket]:
    """Each location's measures over the last `METRICS_WINDOW_HOURS` placed hours, for /metrics: the same
    numbers as `operations_report` over [hour - 23 h, hour + 1 h) for that one location."""
    end = reporting.hour_of(now or utc_now()) + reporting.HOUR
    start = end - METRICS_WINDOW_HOURS * reporting.HOUR
    async with db.read() as conn:
        sums, hist = await store.by_location(conn, start, end)
    return {loc: reporting.tally_bucket(start, t) for loc, t in _tallies(sums, hist, lambda r: r.location_id).items()}
