"""Queries for checkout holds and the units they hold (`hold_lines`, present only while a hold is ACTIVE)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.orders import delivery_from_json, delivery_to_json
from app.store.sql import for_update, upsert
from app.store.tables.checkout import checkout_holds, hold_lines
from domain.holds import Hold, HoldStatus
from domain.sourcing import Line


def _hold_from_row(row: Any) -> Hold:
    slot = (row.slot_location_id, row.slot_starts_at) if row.slot_starts_at is not None else None
    allocations = tuple(
        (a["location_id"], a["sku"], int(a["quantity"])) for a in (row.plan or {}).get("allocations", [])
    )
    return Hold(
        id=row.id,
        status=HoldStatus(row.status),
        owner=row.owner,
        channel=row.channel,
        market=row.market,
        lines=tuple(Line(x["sku"], int(x["quantity"])) for x in row.lines),
        delivery=delivery_from_json(row.delivery),
        plan=row.plan,
        capacity_days=dict(row.capacity_days),
        expires_at=row.expires_at,
        created_at=row.created_at,
        order_id=row.order_id,
        fingerprint=row.fingerprint,
        slot=slot,
        allocations=allocations,
    )


async def insert_hold(conn: AsyncConnection, hold: Hold, idempotency_key: str) -> bool:
    """Write the hold, claiming its idempotency key; False when another hold has the key (nothing written)."""
    stmt = upsert(conn, checkout_holds).values(
        id=hold.id,
        idempotency_key=idempotency_key,
        fingerprint=hold.fingerprint,
        owner=hold.owner,
        status=hold.status.value,
        channel=hold.channel,
        market=hold.market,
        lines=[{"sku": x.sku, "quantity": x.quantity} for x in hold.lines],
        delivery=delivery_to_json(hold.delivery),
        plan=hold.plan,
        capacity_days=hold.capacity_days,
        slot_location_id=hold.slot[0] if hold.slot else None,
        slot_starts_at=hold.slot[1] if hold.slot else None,
        expires_at=hold.expires_at,
        created_at=hold.created_at,
        updated_at=hold.created_at,
    )
    return (await conn.execute(stmt.on_conflict_do_nothing(index_elements=["idempotency_key"]))).rowcount == 1


async def insert_lines(
    conn: AsyncConnection, hold_id: str, takes: Sequence[tuple[str, str, int]], expires_at: datetime
) -> None:
    rows = [
        {"hold_id": hold_id, "location_id": loc, "sku": sku, "quantity": qty, "expires_at": expires_at}
        for loc, sku, qty in takes
    ]
    if rows:
        await conn.execute(hold_lines.insert(), rows)


async def by_key(conn: AsyncConnection, key: str) -> Hold | None:
    row = (await conn.execute(select(checkout_holds).where(checkout_holds.c.idempotency_key == key))).first()
    return _hold_from_row(row) if row else None


async def get(conn: AsyncConnection, hold_id: str, *, lock: bool = False) -> Hold | None:
    query = select(checkout_holds).where(checkout_holds.c.id == hold_id)
    row = (await conn.execute(for_update(conn, query) if lock else query)).first()
    return _hold_from_row(row) if row else None


async def lock_active(conn: AsyncConnection, hold_ids: Sequence[str]) -> list[Hold]:
    """These holds, locked in id order, those still ACTIVE (another writer may have ended one meanwhile)."""
    if not hold_ids:
        return []
    h = checkout_holds.c
    query = select(checkout_holds).where(h.id.in_(sorted(set(hold_ids))), h.status == HoldStatus.ACTIVE.value)
    result = await conn.execute(for_update(conn, query.order_by(h.id)))
    return [_hold_from_row(row) for row in result]


async def end(
    conn: AsyncConnection, hold_id: str, status: HoldStatus, now: datetime, order_id: str | None = None
) -> None:
    """The hold stops being ACTIVE: its lines go (their units are released or become the order's)."""
    await conn.execute(delete(hold_lines).where(hold_lines.c.hold_id == hold_id))
    await conn.execute(
        update(checkout_holds)
        .where(checkout_holds.c.id == hold_id)
        .values(status=status.value, order_id=order_id, updated_at=now)
    )


async def extend(conn: AsyncConnection, hold_id: str, expires_at: datetime, now: datetime) -> None:
    await conn.execute(update(hold_lines).where(hold_lines.c.hold_id == hold_id).values(expires_at=expires_at))
    await conn.execute(
        update(checkout_holds).where(checkout_holds.c.id == hold_id).values(expires_at=expires_at, updated_at=now)
    )


async def due(conn: AsyncConnection, now: datetime, limit: int) -> list[str]:
    """ACTIVE holds past their time (the sweeper's work), oldest first."""
    h = checkout_holds.c
    query = (
        select(h.id)
        .where(h.status == HoldStatus.ACTIVE.value, h.expires_at <= now)
        .order_by(h.expires_at, h.id)
        .limit(limit)
    )
    return list((await conn.execute(query)).scalars())


async def lapsed_capacity(conn: AsyncConnection, now: datetime) -> dict[tuple[str, str], int]:
    """(location, local day) -> units of daily capacity claimed by ACTIVE holds past their time."""
    h = checkout_holds.c
    query = select(h.capacity_days).where(h.status == HoldStatus.ACTIVE.value, h.expires_at <= now)
    found: dict[tuple[str, str], int] = {}
    for (days,) in await conn.execute(query):
        for location_id, day in (days or {}).items():
            found[(location_id, day)] = found.get((location_id, day), 0) + 1
    return found


async def due_at(conn: AsyncConnection, now: datetime, positions: Sequence[tuple[str, str]]) -> list[str]:
    """Holds past their time that still hold units at these (location, sku) positions."""
    if not positions:
        return []
    h = hold_lines.c
    query = (
        select(h.hold_id)
        .where(h.expires_at <= now, tuple_(h.location_id, h.sku).in_(sorted(set(positions))))
        .distinct()
    )
    return list((await conn.execute(query)).scalars())


async def counts(conn: AsyncConnection, now: datetime) -> dict[str, int]:
    """Holds per effective status, for /metrics (ACTIVE ones past their time count as EXPIRED)."""
    h = checkout_holds.c
    past_due = and_(h.status == HoldStatus.ACTIVE.value, h.expires_at <= now)
    effective = case((past_due, HoldStatus.EXPIRED.value), else_=h.status)
    result = await conn.execute(select(effective, func.count()).group_by(effective))
    return {str(status): int(n) for status, n in result}
