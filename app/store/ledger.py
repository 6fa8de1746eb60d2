"""Queries on the inventory ledger and hold spans: what writers stamp on positions, history reads, compaction.

The rows themselves are appended by database triggers (migration 0017): a writer
only sets `ledger_marks(why)` in the statement that changes the position.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.tables.ledger import hold_spans, inventory_ledger
from domain.ledger import Cause, Entry, HoldSpan, Why


def ledger_marks(why: Why) -> dict[str, Any]:
    """The columns a writer sets on the position it changes, for the ledger trigger to copy."""
    return {"ledger_cause": why.cause.value, "ledger_ref": why.ref}


def entry_from_row(row: Any) -> Entry:
    return Entry(
        row.at, row.sku, row.location_id, row.cause, row.ref, row.on_hand, row.reserved, row.inbound, row.inbound_eta
    )


async def entries_until(
    conn: AsyncConnection, skus: Sequence[str], moment: datetime, location_ids: Sequence[str] | None = None
) -> list[Entry]:
    """Per position of these SKUs, its last entry at or before `moment` (one statement)."""
    lg = inventory_ledger.c
    where = [lg.sku.in_(sorted(set(skus))), lg.at <= moment]
    if location_ids is not None:
        where.append(lg.location_id.in_(list(location_ids)))
    last = select(func.max(lg.id).label("id")).where(*where).group_by(lg.sku, lg.location_id).subquery()
    query = select(inventory_ledger).join(last, last.c.id == lg.id).order_by(lg.id)
    return [entry_from_row(row) for row in await conn.execute(query)]


async def spans_at(conn: AsyncConnection, skus: Sequence[str], moment: datetime) -> list[HoldSpan]:
    """Hold spans of these SKUs active at `moment` and past their time then (the ones a read subtracted)."""
    h = hold_spans.c
    query = select(hold_spans).where(
        h.sku.in_(sorted(set(skus))),
        h.started_at <= moment,
        h.expires_at <= moment,
        or_(h.ended_at.is_(None), h.ended_at > moment),
    )
    return [span_from_row(row) for row in await conn.execute(query)]


def span_from_row(row: Any) -> HoldSpan:
    return HoldSpan(row.sku, row.location_id, row.quantity, row.started_at, row.ended_at, row.expires_at)


async def compact(conn: AsyncConnection, cutoff: datetime) -> int:
    """Fold entries older than `cutoff` into the last one of each position and UTC day; returns rows removed.

    The kept row of a day becomes `daily`; ended hold spans older than the cutoff go."""
    lg = inventory_ledger.c
    day = func.substr(lg.at, 1, 10) if conn.dialect.name == "sqlite" else func.date(func.timezone("UTC", lg.at))
    keep = select(func.max(lg.id)).where(lg.at < cutoff).group_by(lg.sku, lg.location_id, day).scalar_subquery()
    removed = await conn.execute(delete(inventory_ledger).where(lg.at < cutoff, lg.id.not_in(keep)))
    await conn.execute(
        update(inventory_ledger).where(lg.at < cutoff, lg.cause != Cause.DAILY.value).values(cause=Cause.DAILY.value)
    )
    h = hold_spans.c
    await conn.execute(delete(hold_spans).where(and_(h.ended_at.is_not(None), h.ended_at < cutoff)))
    return int(removed.rowcount or 0)


async def foldable(conn: AsyncConnection, cutoff: datetime) -> bool:
    """Is any entry older than `cutoff` not folded yet? (The compaction job's cheap look first.)"""
    lg = inventory_ledger.c
    query = select(lg.id).where(lg.at < cutoff, lg.cause != Cause.DAILY.value).limit(1)
    return (await conn.execute(query)).first() is not None


async def window(conn: AsyncConnection, start: datetime, end: datetime) -> tuple[list[Entry], list[Entry]]:
    """Each position's last entry before `start`, and every entry in [start, end] in the order written."""
    lg = inventory_ledger.c
    last = select(func.max(lg.id).label("id")).where(lg.at < start).group_by(lg.sku, lg.location_id).subquery()
    opening = [entry_from_row(r) for r in await conn.execute(select(inventory_ledger).join(last, last.c.id == lg.id))]
    during = select(inventory_ledger).where(lg.at >= start, lg.at <= end).order_by(lg.id)
    return opening, [entry_from_row(r) for r in await conn.execute(during)]
