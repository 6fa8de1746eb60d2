"""Counters that must never pass their capacity: fulfillments per location per local day, orders per pickup slot.

A claim is one guarded upsert (`used < capacity`): the first claim of a day
inserts the row, later ones add one only while room is left. On PostgreSQL the
upsert locks the row and re-checks the guard against its latest version, so
concurrent claims queue on it and the last unit goes to exactly one; SQLite
writes one transaction at a time. A claim is made in the same transaction as
the reservation it goes with, and given back when that work is cancelled.

A checkout hold past its time counts nowhere, even before the sweeper ends it:
the guards leave out the claims and bookings of ACTIVE holds past `expires_at`
(a subquery on their index), so such a counter may read above its capacity
until the sweep gives those units back, but live claims never pass it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.sql import at_least_zero, upsert
from app.store.tables.checkout import checkout_holds, location_day_load, pickup_slot_load
from domain.holds import HoldStatus


def _lapsed(now: datetime) -> Any:
    h = checkout_holds.c
    return and_(h.status == HoldStatus.ACTIVE.value, h.expires_at <= now)


def _lapsed_claims(conn: AsyncConnection, now: datetime) -> Any:
    """Units of the target (location, day) counter claimed by holds past their time."""
    h, d = checkout_holds.c, location_day_load.c
    if conn.dialect.name == "postgresql":
        names_it = h.capacity_days.op("->>")(d.location_id) == d.day
    else:
        pairs = func.json_each(h.capacity_days).table_valued("key", "value", name="claimed")
        names_it = exists(select(1).select_from(pairs).where(pairs.c.key == d.location_id, pairs.c.value == d.day))
    return select(func.count()).where(_lapsed(now), names_it).scalar_subquery()


def _lapsed_bookings(now: datetime) -> Any:
    h, s = checkout_holds.c, pickup_slot_load.c
    same_slot = and_(h.slot_location_id == s.location_id, h.slot_starts_at == s.starts_at)
    return select(func.count()).where(_lapsed(now), same_slot).scalar_subquery()


@dataclass(frozen=True, slots=True)
class CapacityClaim:
    location_id: str
    day: str  # the location's local day
    capacity: int


async def claim_capacity(conn: AsyncConnection, claim: CapacityClaim, now: datetime) -> bool:
    """One unit of the location's capacity that day, if any is left (lapsed holds' claims left out)."""
    if claim.capacity < 1:
        return False
    stmt = upsert(conn, location_day_load).values(
        location_id=claim.location_id, day=claim.day, used=1, capacity=claim.capacity
    )
    target = location_day_load.c
    stmt = stmt.on_conflict_do_update(
        index_elements=["location_id", "day"],
        set_={"used": target.used + 1, "capacity": stmt.excluded.capacity},
        where=target.used - _lapsed_claims(conn, now) < stmt.excluded.capacity,
    ).returning(target.used)
    return (await conn.execute(stmt)).first() is not None


async def give_back_capacity(conn: AsyncConnection, location_id: str, day: str) -> None:
    c = location_day_load.c
    await conn.execute(
        update(location_day_load)
        .where(c.location_id == location_id, c.day == day)
        .values(used=at_least_zero(conn, c.used - 1))
    )


async def capacity_used(conn: AsyncConnection, days: dict[str, str]) -> dict[str, int]:
    """Units claimed per location on the given local day of each (location -> day)."""
    if not days:
        return {}
    c = location_day_load.c
    query = select(c.location_id, c.used).where(
        or_(*(and_(c.location_id == loc, c.day == day) for loc, day in sorted(days.items())))
    )
    return {loc: int(used) for loc, used in await conn.execute(query)}


async def book_slot(conn: AsyncConnection, location_id: str, starts_at: datetime, capacity: int, now: datetime) -> bool:
    """One place in the pickup slot, if any is left (lapsed holds' bookings left out)."""
    if capacity < 1:
        return False
    stmt = upsert(conn, pickup_slot_load).values(
        location_id=location_id, starts_at=starts_at, booked=1, capacity=capacity
    )
    target = pickup_slot_load.c
    stmt = stmt.on_conflict_do_update(
        index_elements=["location_id", "starts_at"],
        set_={"booked": target.booked + 1, "capacity": stmt.excluded.capacity},
        where=target.booked - _lapsed_bookings(now) < stmt.excluded.capacity,
    ).returning(target.booked)
    return (await conn.execute(stmt)).first() is not None


async def free_slot(conn: AsyncConnection, location_id: str, starts_at: datetime) -> None:
    s = pickup_slot_load.c
    await conn.execute(
        update(pickup_slot_load)
        .where(s.location_id == location_id, s.starts_at == starts_at)
        .values(booked=at_least_zero(conn, s.booked - 1))
    )


async def give_back_all(conn: AsyncConnection, days: Iterable[tuple[str, str]]) -> None:
    """Give back one unit per (location, day), in lock order."""
    for location_id, day in sorted(days):
        await give_back_capacity(conn, location_id, day)
