"""Queries for the outbox, webhook endpoints and deliveries (claims are guarded updates)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app import tracing
from app.store.sql import upsert
from app.store.tables.outbox import outbox_events, webhook_deliveries, webhooks
from domain.webhooks import DeliveryStatus


def sequence(now: datetime) -> int:
    """An event's place in delivery order: its commit-clock microseconds."""
    return int(now.timestamp() * 1_000_000)


async def add_event(
    conn: AsyncConnection, event_id: str, event_type: str, payload: dict[str, Any], now: datetime
) -> None:
    """Write an event; with tracing on it keeps the `traceparent` of the span in force (the command's)."""
    await conn.execute(
        outbox_events.insert().values(
            id=event_id,
            seq=sequence(now),
            type=event_type,
            payload=payload,
            created_at=now,
            fanned_out=False,
            traceparent=tracing.traceparent(),
        )
    )


@dataclass(frozen=True, slots=True)
class Endpoint:
    id: str
    url: str
    events: tuple[str, ...]
    secret: str
    active: bool
    disabled_reason: str | None = None
    created_at: datetime | None = None  # events from before this are not its business


def _endpoint(row: Any) -> Endpoint:
    return Endpoint(
        row.id, row.url, tuple(row.events), row.secret, bool(row.active), row.disabled_reason, row.created_at
    )


async def add_webhook(conn: AsyncConnection, endpoint: Endpoint, now: datetime) -> None:
    await conn.execute(
        webhooks.insert().values(
            id=endpoint.id,
            url=endpoint.url,
            events=list(endpoint.events),
            secret=endpoint.secret,
            active=True,
            created_at=now,
        )
    )


async def active_webhooks(conn: AsyncConnection) -> list[Endpoint]:
    return [_endpoint(r) for r in await conn.execute(select(webhooks).where(webhooks.c.active.is_(True)))]


async def all_webhooks(conn: AsyncConnection) -> list[Endpoint]:
    return [_endpoint(r) for r in await conn.execute(select(webhooks).order_by(webhooks.c.created_at))]


async def disable_webhook(conn: AsyncConnection, webhook_id: str, reason: str) -> None:
    await conn.execute(update(webhooks).where(webhooks.c.id == webhook_id).values(active=False, disabled_reason=reason))


async def pending_events(
    conn: AsyncConnection, limit: int, *, lock: bool, ids: Sequence[str] | None = None
) -> list[Any]:
    """Events not yet fanned out, oldest first; with `lock`, locked for this relay on PostgreSQL (others skip them)."""
    query = select(outbox_events).where(outbox_events.c.fanned_out.is_(False))
    if ids is not None:
        query = query.where(outbox_events.c.id.in_(list(ids)))
    query = query.order_by(outbox_events.c.seq).limit(limit)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(await conn.execute(query))


async def set_payload(conn: AsyncConnection, event_id: str, payload: dict[str, Any]) -> None:
    await conn.execute(update(outbox_events).where(outbox_events.c.id == event_id).values(payload=payload))


async def fan_out(conn: AsyncConnection, event_id: str, deliveries: Sequence[dict[str, Any]]) -> None:
    if deliveries:
        stmt = upsert(conn, webhook_deliveries).on_conflict_do_nothing(index_elements=["event_id", "webhook_id"])
        await conn.execute(stmt, list(deliveries))
    await conn.execute(update(outbox_events).where(outbox_events.c.id == event_id).values(fanned_out=True))


async def mark_fanned_out(conn: AsyncConnection, event_ids: Sequence[str]) -> None:
    """Events nobody subscribed to when they were fanned out: done, in one statement."""
    if event_ids:
        await conn.execute(update(outbox_events).where(outbox_events.c.id.in_(list(event_ids))).values(fanned_out=True))


@dataclass(frozen=True, slots=True)
class Due:
    id: str
    attempts: int
    event_id: str
    event_type: str
    payload: dict[str, Any]
    created_at: datetime
    endpoint: Endpoint
    traceparent: str | None = None


def _due(now: datetime) -> Any:
    d = webhook_deliveries.c
    return and_(
        d.status == DeliveryStatus.PENDING.value,
        d.next_attempt_at <= now,
        or_(d.locked_until.is_(None), d.locked_until < now),
    )


async def any_due(conn: AsyncConnection, now: datetime) -> bool:
    """Whether some delivery is due: read first, so an idle relay takes no write lock (SQLite has one)."""
    found = await conn.execute(select(webhook_deliveries.c.id).where(_due(now)).limit(1))
    return found.first() is not None


async def claim_due(conn: AsyncConnection, now: datetime, limit: int, lease: timedelta) -> list[Due]:
    """Lease due deliveries to this replica: a guarded update, so two relays never send the same attempt."""
    d = webhook_deliveries.c
    due = _due(now)
    ids_query = select(d.id).where(due).order_by(d.next_attempt_at).limit(limit)
    if conn.dialect.name == "postgresql":
        ids_query = ids_query.with_for_update(skip_locked=True)
    ids = list((await conn.execute(ids_query)).scalars())
    if not ids:
        return []
    await conn.execute(update(webhook_deliveries).where(d.id.in_(ids), due).values(locked_until=now + lease))
    query = (
        select(
            d.id,
            d.attempts,
            outbox_events.c.id.label("event_id"),
            outbox_events.c.type,
            outbox_events.c.payload,
            outbox_events.c.created_at,
            outbox_events.c.traceparent,
            webhooks,
        )
        .join(outbox_events, outbox_events.c.id == d.event_id)
        .join(webhooks, webhooks.c.id == d.webhook_id)
        .where(d.id.in_(ids), d.locked_until == now + lease)
    )
    found = []
    for row in await conn.execute(query):
        endpoint = Endpoint(row.id_1, row.url, tuple(row.events), row.secret, bool(row.active), row.disabled_reason)
        found.append(
            Due(row.id, row.attempts, row.event_id, row.type, row.payload, row.created_at, endpoint, row.traceparent)
        )
    return found


async def record_attempt(
    conn: AsyncConnection,
    delivery_id: str,
    *,
    status: DeliveryStatus,
    attempts: int,
    next_at: datetime,
    code: int | None,
    error: str | None,
    now: datetime,
) -> None:
    await conn.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.id == delivery_id)
        .values(
            status=status.value,
            attempts=attempts,
            next_attempt_at=next_at,
            locked_until=None,
            last_status_code=code,
            last_error=error[:500] if error else None,
            updated_at=now,
        )
    )


async def deliveries(
    conn: AsyncConnection,
    *,
    status: str | None,
    webhook_id: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Any]:
    """Newest first, keyset-paginated after the (created at, id) cursor."""
    d = webhook_deliveries.c
    query = (
        select(webhook_deliveries, outbox_events.c.type)
        .join(outbox_events, outbox_events.c.id == d.event_id)
        .order_by(d.created_at.desc(), d.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(d.status == status)
    if webhook_id:
        query = query.where(d.webhook_id == webhook_id)
    if after is not None:
        query = query.where(or_(d.created_at < after[0], and_(d.created_at == after[0], d.id < after[1])))
    return list(await conn.execute(query))


async def replay(conn: AsyncConnection, delivery_id: str | None, now: datetime) -> int:
    """Put failed deliveries (one, or all) back in the queue with a fresh attempt count."""
    d = webhook_deliveries.c
    conditions = [d.status == DeliveryStatus.FAILED.value]
    if delivery_id:
        conditions.append(d.id == delivery_id)
    result = await conn.execute(
        update(webhook_deliveries)
        .where(*conditions)
        .values(status=DeliveryStatus.PENDING.value, attempts=0, next_attempt_at=now, locked_until=None, updated_at=now)
    )
    return int(result.rowcount)


def _settled_ids(before: datetime, limit: int) -> Any:
    e, d = outbox_events.c, webhook_deliveries.c
    pending = exists().where(d.event_id == e.id, d.status == DeliveryStatus.PENDING.value)
    return select(e.id).where(e.fanned_out.is_(True), e.seq < sequence(before), ~pending).order_by(e.seq).limit(limit)


async def any_settled(conn: AsyncConnection, before: datetime) -> bool:
    """Whether the retention job has work: read first, so an idle tick takes no write lock."""
    return (await conn.execute(_settled_ids(before, 1))).first() is not None


async def purge_settled(conn: AsyncConnection, before: datetime, limit: int) -> int:
    """Delete up to `limit` events created before `before` that are fanned out and have no PENDING
    delivery, with their deliveries; returns how many events went (oldest first)."""
    e, d = outbox_events.c, webhook_deliveries.c
    ids_query = _settled_ids(before, limit)
    ids = list((await conn.execute(ids_query)).scalars())
    if ids:
        await conn.execute(delete(webhook_deliveries).where(d.event_id.in_(ids)))
        await conn.execute(delete(outbox_events).where(e.id.in_(ids)))
    return len(ids)
