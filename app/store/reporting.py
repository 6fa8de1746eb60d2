"""Operations reporting in SQL: what changed since the watermark, the facts of some placed hours, the
rollups written back, and the rollups read for a report (summed in the database)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Integer, and_, case, cast, delete, func, insert, or_, select, union, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.sql import upsert
from app.store.tables.catalog import locations
from app.store.tables.orders import fulfillment_lines, fulfillments, order_events, orders
from app.store.tables.picking import pick_lines, pick_lists
from app.store.tables.reporting import report_hours, report_minutes, report_watermarks
from domain import reporting
from domain.reporting import HOUR, FulfillmentFacts, Granularity, OrderFacts, RollupKey, Tally

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
WATERMARK = "operations"


async def watermark(conn: AsyncConnection) -> tuple[datetime, int]:
    """How far the job has read (the epoch before its first run) and how many runs committed."""
    w = report_watermarks.c
    row = (await conn.execute(select(w.upto, w.runs).where(w.name == WATERMARK))).first()
    return (EPOCH, 0) if row is None else (row.upto, row.runs)


async def advance(conn: AsyncConnection, seen_runs: int, upto: datetime) -> bool:
    """The claim: move the watermark on only if no other run committed since we read it (the run count is
    the fence). False: another replica (or an earlier run of ours) got there first; roll back."""
    w = report_watermarks.c
    if seen_runs == 0:
        stmt = upsert(conn, report_watermarks).values(name=WATERMARK, upto=upto, runs=1)
        done = await conn.execute(stmt.on_conflict_do_nothing(index_elements=["name"]))
    else:
        stmt = update(report_watermarks).where(w.name == WATERMARK, w.runs == seen_runs)
        done = await conn.execute(stmt.values(upto=upto, runs=seen_runs + 1))
    return done.rowcount == 1


async def changed_hours(conn: AsyncConnection, since: datetime, upto: datetime) -> set[datetime]:
    """The placed hours of the orders that changed in (since, upto]: their row, a fulfillment's, or an order
    event (a short's reroute or a supervisor's decision changes quantities and tells the order so, without
    moving a status)."""
    o, f, e = orders.c, fulfillments.c, order_events.c
    own = select(o.created_at).where(o.updated_at > since, o.updated_at <= upto)
    parts = (
        select(o.created_at).join(fulfillments, f.order_id == o.id).where(f.updated_at > since, f.updated_at <= upto)
    )
    told = select(o.created_at).join(order_events, e.order_id == o.id).where(e.at > since, e.at <= upto)
    return {reporting.hour_of(row[0]) for row in await conn.execute(union(own, parts, told))}


def _ranges(hours: Iterable[datetime]) -> list[tuple[datetime, datetime]]:
    """Contiguous runs of hours as [start, end) ranges: few conditions however many hours changed."""
    out: list[tuple[datetime, datetime]] = []
    for hour in sorted(hours):
        if out and out[-1][1] == hour:
            out[-1] = (out[-1][0], hour + HOUR)
        else:
            out.append((hour, hour + HOUR))
    return out


def _placed_in(ranges: list[tuple[datetime, datetime]]) -> Any:
    return or_(*(and_(orders.c.created_at >= start, orders.c.created_at < end) for start, end in ranges))


async def facts(conn: AsyncConnection, hours: set[datetime]) -> tuple[list[OrderFacts], list[FulfillmentFacts]]:
    """The orders placed in these hours and their fulfillments, as the domain reads them (four statements)."""
    placed = _placed_in(_ranges(hours))
    o, f, fl, pl, pk = orders.c, fulfillments.c, fulfillment_lines.c, pick_lines.c, pick_lists.c
    order_rows = await conn.execute(select(o.id, o.channel, o.created_at, o.status).where(placed))
    found = [OrderFacts(r.id, r.channel, r.created_at, r.status == "CANCELLED") for r in order_rows]
    joined = fulfillments.join(orders, o.id == f.order_id)
    units = {
        r.id: int(r.units or 0)
        for r in await conn.execute(
            select(f.id, func.sum(fl.quantity).label("units"))
            .select_from(joined.join(fulfillment_lines, fl.fulfillment_id == f.id))
            .where(placed)
            .group_by(f.id)
        )
    }
    picks = {
        r.fulfillment_id: (int(r.short or 0), r.made)
        for r in await conn.execute(
            select(pl.fulfillment_id, func.sum(pl.short).label("short"), func.min(pk.created_at).label("made"))
            .select_from(joined.join(pick_lines, pl.fulfillment_id == f.id).join(pick_lists, pk.id == pl.pick_list_id))
            .where(placed)
            .group_by(pl.fulfillment_id)
        )
    }
    rows = await conn.execute(
        select(f.id, f.order_id, f.location_id, f.status, f.created_at, f.step_log, f.transfer_to)
        .select_from(joined)
        .where(placed)
    )
    return found, [_fulfillment(r, units.get(r.id, 0), *picks.get(r.id, (0, None))) for r in rows]


def _fulfillment(row: Any, units: int, short: int, made: datetime | None) -> FulfillmentFacts:
    done = {x["step"]: datetime.fromisoformat(x["at"]) for x in (row.step_log or []) if x.get("action") == "DONE"}
    return FulfillmentFacts(
        row.order_id,
        row.location_id,
        row.status,
        row.created_at,
        units,
        short,
        made,
        done.get("PICK"),
        done.get("HANDOVER"),
        row.transfer_to is not None,
    )


async def turnarounds(conn: AsyncConnection) -> dict[str, float | None]:
    c = locations.c
    return {r.id: r.turnaround_hours for r in await conn.execute(select(c.id, c.turnaround_hours))}


async def replace(conn: AsyncConnection, hours: set[datetime], tallies: dict[RollupKey, Tally]) -> None:
    """These hours' rollups, whole: the old rows go, the new ones come (a recount, never an increment, so a
    run repeated over the same hours leaves the same rows)."""
    for start, end in _ranges(hours):
        for table in (report_hours, report_minutes):
            await conn.execute(delete(table).where(table.c.hour >= start, table.c.hour < end))
    sums = [
        {"location_id": loc, "hour": hour, "channel": channel} | {k: tally.counts[k] for k in reporting.COUNTS}
        for (loc, hour, channel), tally in tallies.items()
    ]
    minutes = [
        {"location_id": loc, "hour": hour, "channel": channel, "measure": measure, "minutes": m, "count": n}
        for (loc, hour, channel), tally in tallies.items()
        for measure, histogram in tally.minutes.items()
        for m, n in histogram.items()
    ]
    if sums:
        await conn.execute(insert(report_hours), sums)
    if minutes:
        await conn.execute(insert(report_minutes), minutes)


def _filters(
    table: Any, start: datetime, end: datetime, location_ids: frozenset[str] | None, channel: str | None
) -> list[Any]:
    where = [table.c.hour >= start, table.c.hour < end]
    if location_ids is not None:
        where.append(table.c.location_id.in_(sorted(location_ids)))
    if channel is not None:
        where.append(table.c.channel == channel)
    return where


def _bucket(conn: AsyncConnection, hour: Any, granularity: Granularity) -> Any:
    """The UTC bucket of an hour in SQL: PostgreSQL truncates (ISO weeks start on Monday); SQLite keeps
    times as text, so a day is its date and a week the Monday on or before it."""
    if granularity is Granularity.HOUR:
        return hour
    if conn.dialect.name == "postgresql":
        return func.date_trunc(granularity.value.lower(), hour, "UTC")
    return func.date(hour) if granularity is Granularity.DAY else func.date(hour, "weekday 0", "-6 days")


def _histogram_rows(
    conn: AsyncConnection,
    start: datetime,
    end: datetime,
    location_ids: frozenset[str] | None,
    channel: str | None,
    *,
    granularity: Granularity | None,
) -> Any:
    """The histogram rows a median runs over. Hourly buckets take the stored rows as they are (they barely
    merge); days, weeks and the whole range merge them first, per bucket, measure and minute value, which
    shrinks a year's rows to a few per minute value before the sort."""
    m = report_minutes.c
    where = _filters(report_minutes, start, end, location_ids, channel)
    bucket = [] if granularity is None else [_bucket(conn, m.hour, granularity).label("bucket")]
    if granularity is Granularity.HOUR:
        return select(*bucket, m.measure, m.minutes, m.count).where(*where).subquery()
    merged = cast(func.sum(m.count), Integer).label("count")  # an integer: the ranks below divide by 2
    return (
        select(*bucket, m.measure, m.minutes, merged).where(*where).group_by(*bucket, m.measure, m.minutes).subquery()
    )


async def counts(
    conn: AsyncConnection,
    start: datetime,
    end: datetime,
    location_ids: frozenset[str] | None,
    channel: str | None,
    *,
    granularity: Granularity,
) -> Sequence[Any]:
    """Per bucket: the counts summed over the chosen locations and channels (the database sums)."""
    h = report_hours.c
    bucket = _bucket(conn, h.hour, granularity).label("bucket")
    sums = [func.sum(getattr(h, k)).label(k) for k in reporting.COUNTS]
    query = select(bucket, *sums).where(*_filters(report_hours, start, end, location_ids, channel))
    return (await conn.execute(query.group_by(bucket))).all()


async def medians(
    conn: AsyncConnection,
    start: datetime,
    end: datetime,
    location_ids: frozenset[str] | None,
    channel: str | None,
    *,
    granularity: Granularity | None,
) -> Sequence[Any]:
    """(bucket, measure, low, high) per bucket (granularity None: (measure, low, high) over the whole range):
    the two middle values of the merged minute histograms, found by a running count in the database, so
    only one row per bucket and measure leaves it (the median is their mean)."""
    rows = _histogram_rows(conn, start, end, location_ids, channel, granularity=granularity)
    within = [rows.c.bucket] if granularity is not None else []
    within.append(rows.c.measure)
    # A running count with peers (RANGE): every row of one minute value sees the count up to and including
    # that value, whichever store, channel or hour it came from.
    running = select(
        *within,
        rows.c.minutes,
        func.sum(rows.c.count).over(partition_by=within, order_by=rows.c.minutes).label("seen"),
        func.sum(rows.c.count).over(partition_by=within).label("total"),
    ).subquery()
    r = running.c
    outer = [r.bucket, r.measure] if granularity is not None else [r.measure]
    low = func.min(case((r.seen >= (r.total + 1) // 2, r.minutes))).label("low")
    high = func.min(case((r.seen >= r.total // 2 + 1, r.minutes))).label("high")
    if conn.dialect.name == "postgresql":  # the sort of a year of histograms fits in memory, not on disk
        await conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
    return (await conn.execute(select(*outer, low, high).group_by(*outer))).all()


async def by_location(conn: AsyncConnection, start: datetime, end: datetime) -> tuple[Sequence[Any], Sequence[Any]]:
    """Per location over [start, end): the summed counts and the merged histograms (for /metrics)."""
    h, m = report_hours.c, report_minutes.c
    counts = [func.sum(getattr(h, k)).label(k) for k in reporting.COUNTS]
    where = [h.hour >= start, h.hour < end]
    sums = await conn.execute(select(h.location_id, *counts).where(*where).group_by(h.location_id))
    hist = await conn.execute(
        select(m.location_id, m.measure, m.minutes, func.sum(m.count).label("n"))
        .where(m.hour >= start, m.hour < end)
        .group_by(m.location_id, m.measure, m.minutes)
    )
    return sums.all(), hist.all()
