"""Queries for sourcing simulations: the job rows (guarded claims under a lease) and the history they replay.

A job is claimed with one guarded UPDATE (QUEUED, or RUNNING with its lease run
out: the replica that ran it died), and every checkpoint and the finish are
guarded by the owner and RUNNING, so a cancelled job or one taken over by
another replica stops at its next checkpoint, writing nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store import rows
from app.store.ledger import entry_from_row, span_from_row
from app.store.orders import delivery_from_json
from app.store.rules import rules_at
from app.store.tables.catalog import items
from app.store.tables.ledger import hold_spans, inventory_ledger, rule_versions, sourcing_simulations
from app.store.tables.orders import order_lines, orders
from domain import sourcing
from domain.atp import AvailabilityRule
from domain.ledger import Entry, HoldSpan
from domain.replay import PastOrder
from domain.simulation import JobStatus

S = sourcing_simulations.c


async def insert(conn: AsyncConnection, sim_id: str, request: dict[str, Any], by: str, now: datetime) -> None:
    values = {"id": sim_id, "status": JobStatus.QUEUED.value, "progress": 0.0, "orders": 0, "request": request}
    await conn.execute(sourcing_simulations.insert().values(**values, created_by=by, created_at=now, updated_at=now))


async def get(conn: AsyncConnection, sim_id: str) -> Any:
    return (await conn.execute(select(sourcing_simulations).where(S.id == sim_id))).first()


async def claimable(conn: AsyncConnection, now: datetime) -> list[str]:
    """Jobs to run: QUEUED, or RUNNING under a lease that ran out; oldest first."""
    query = select(S.id).where(
        or_(S.status == JobStatus.QUEUED.value, and_(S.status == JobStatus.RUNNING.value, S.lease_until < now))
    )
    return list((await conn.execute(query.order_by(S.created_at, S.id).limit(5))).scalars())


async def claim(conn: AsyncConnection, sim_id: str, owner: str, now: datetime, until: datetime) -> bool:
    stmt = (
        update(sourcing_simulations)
        .where(
            S.id == sim_id,
            or_(S.status == JobStatus.QUEUED.value, and_(S.status == JobStatus.RUNNING.value, S.lease_until < now)),
        )
        .values(status=JobStatus.RUNNING.value, lease_owner=owner, lease_until=until, updated_at=now)
    )
    return (await conn.execute(stmt)).rowcount == 1


async def save(conn: AsyncConnection, sim_id: str, owner: str, now: datetime, **values: Any) -> bool:
    """A checkpoint (or the finish, with `status`): only while this owner still runs the job."""
    stmt = (
        update(sourcing_simulations)
        .where(S.id == sim_id, S.lease_owner == owner, S.status == JobStatus.RUNNING.value)
        .values(**values, updated_at=now)
    )
    return (await conn.execute(stmt)).rowcount == 1


async def cancel(conn: AsyncConnection, sim_id: str, now: datetime) -> bool:
    live = (JobStatus.QUEUED.value, JobStatus.RUNNING.value)
    stmt = (
        update(sourcing_simulations)
        .where(S.id == sim_id, S.status.in_(live))
        .values(status=JobStatus.CANCELLED.value, updated_at=now)
    )
    return (await conn.execute(stmt)).rowcount == 1


async def past_orders(
    conn: AsyncConnection, start: datetime, end: datetime, channel: str | None, market: str | None
) -> list[PastOrder]:
    """The orders placed in [start, end], in the order they were placed, with their lines (two statements)."""
    o = orders.c
    query = select(o.id, o.created_at, o.channel, o.market, o.delivery, o.plan).where(
        o.created_at >= start, o.created_at <= end
    )
    if channel is not None:
        query = query.where(o.channel == channel)
    if market is not None:
        query = query.where(o.market == market)
    found = list(await conn.execute(query.order_by(o.created_at, o.id)))
    lines: dict[str, list[sourcing.Line]] = {}
    ids = [row.id for row in found]
    ln = order_lines.c
    for start_at in range(0, len(ids), 5000):
        batch = ids[start_at : start_at + 5000]
        query_lines = select(ln.order_id, ln.sku, ln.quantity).where(ln.order_id.in_(batch)).order_by(ln.line_no)
        for order_id, sku, quantity in await conn.execute(query_lines):
            lines.setdefault(order_id, []).append(sourcing.Line(sku, int(quantity)))
    return [_past(row, lines.get(row.id, [])) for row in found]


def _past(row: Any, lines: list[sourcing.Line]) -> PastOrder:
    delivery = delivery_from_json(row.delivery)
    actual = tuple(
        (str(a["location_id"]), str(a["sku"]), int(a["quantity"])) for a in (row.plan or {}).get("allocations", [])
    )
    return PastOrder(
        row.id,
        row.created_at,
        row.channel,
        row.market,
        sourcing.merge_lines(lines),
        delivery.method,
        delivery.geo,
        delivery.pickup_location_id,
        actual,
    )


async def history(
    conn: AsyncConnection, skus: Sequence[str], start: datetime, end: datetime
) -> tuple[list[Entry], list[HoldSpan]]:
    """The ledger of these SKUs: each position's last entry before `start`, then every entry up to `end`;
    and the hold spans overlapping the window."""
    lg = inventory_ledger.c
    wanted = sorted(set(skus))
    last = (
        select(func.max(lg.id).label("id"))
        .where(lg.sku.in_(wanted), lg.at < start)
        .group_by(lg.sku, lg.location_id)
        .subquery()
    )
    opening = [entry_from_row(r) for r in await conn.execute(select(inventory_ledger).join(last, last.c.id == lg.id))]
    during = select(inventory_ledger).where(lg.sku.in_(wanted), lg.at >= start, lg.at <= end).order_by(lg.id)
    entries = sorted(opening, key=lambda e: e.at) + [entry_from_row(r) for r in await conn.execute(during)]
    h = hold_spans.c
    spans = select(hold_spans).where(
        h.sku.in_(wanted), h.started_at <= end, or_(h.ended_at.is_(None), h.ended_at >= start)
    )
    return entries, [span_from_row(r) for r in await conn.execute(spans)]


async def rule_history(
    conn: AsyncConnection, start: datetime, end: datetime
) -> tuple[dict[str, AvailabilityRule], list[tuple[datetime, str, AvailabilityRule | None]]]:
    """The rules in force at `start`, and every version saved during the window, oldest first."""
    base = {r.id: r for r in await rules_at(conn, start)}
    v = rule_versions.c
    query = select(v.at, v.rule_id, v.body).where(v.at > start, v.at <= end).order_by(v.seq)
    versions = [
        (at, rule_id, rows.rule_from_row(SimpleNamespace(**body)) if body else None)
        for at, rule_id, body in await conn.execute(query)
    ]
    return base, versions


async def categories(conn: AsyncConnection, skus: Sequence[str]) -> dict[str, str]:
    query = select(items.c.sku, items.c.category).where(items.c.sku.in_(sorted(set(skus))))
    return {row.sku: row.category for row in await conn.execute(query)}
