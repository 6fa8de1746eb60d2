"""Queries for pickup slot policies and the per-slot booking counters.

Booking itself (the guarded upsert on `pickup_slot_load`) lives with the
command that books; here are the policy writes and the batched reads that
listings and fulfillment options need.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store import versions
from app.store.sql import upsert
from app.store.tables.catalog import locations
from app.store.tables.checkout import checkout_holds, pickup_slot_load, pickup_slot_policies
from domain.holds import HoldStatus
from domain.slots import SlotPolicy


def _clock(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def _from_row(row: Any) -> SlotPolicy:
    return SlotPolicy(
        location_id=row.location_id,
        opens_at=time.fromisoformat(row.opens_at),
        closes_at=time.fromisoformat(row.closes_at),
        slot_minutes=row.slot_minutes,
        capacity_per_slot=row.capacity_per_slot,
        lead_minutes=row.lead_minutes,
    )


async def policy_for(conn: AsyncConnection, location_id: str) -> SlotPolicy | None:
    return (await policies_for(conn, [location_id])).get(location_id)


async def policies_for(conn: AsyncConnection, location_ids: Sequence[str]) -> dict[str, SlotPolicy]:
    """The policies of these locations (one statement; none for an empty list)."""
    wanted = sorted(set(location_ids))
    if not wanted:
        return {}
    result = await conn.execute(select(pickup_slot_policies).where(pickup_slot_policies.c.location_id.in_(wanted)))
    return {row.location_id: _from_row(row) for row in result}


async def save_policy(conn: AsyncConnection, policy: SlotPolicy, now: datetime) -> None:
    """Create or replace the location's policy."""
    values = {
        "location_id": policy.location_id,
        "opens_at": _clock(policy.opens_at),
        "closes_at": _clock(policy.closes_at),
        "slot_minutes": policy.slot_minutes,
        "capacity_per_slot": policy.capacity_per_slot,
        "lead_minutes": policy.lead_minutes,
        "updated_at": now,
    }
    stmt = upsert(conn, pickup_slot_policies).values(**values)
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["location_id"], set_={k: stmt.excluded[k] for k in values if k != "location_id"}
        )
    )


async def set_timezone(conn: AsyncConnection, location_id: str, timezone: str, now: datetime) -> None:
    """Set a location's time zone; every replica's location cache reloads (version bump, same transaction)."""
    await conn.execute(update(locations).where(locations.c.id == location_id).values(timezone=timezone, updated_at=now))
    await versions.bump(conn, versions.LOCATIONS)


async def booked_between(
    conn: AsyncConnection, location_ids: Sequence[str], start: datetime, end: datetime, now: datetime
) -> dict[tuple[str, datetime], int]:
    """(location, slot start) -> places booked, for slots starting in [start, end) (one statement). A hold
    past its time books nothing, even before the sweeper ends it and frees its place."""
    wanted = sorted(set(location_ids))
    if not wanted or end <= start:
        return {}
    load, h = pickup_slot_load.c, checkout_holds.c
    lapsed = (
        select(func.count())
        .where(
            h.status == HoldStatus.ACTIVE.value,
            h.expires_at <= now,
            h.slot_location_id == load.location_id,
            h.slot_starts_at == load.starts_at,
        )
        .scalar_subquery()
    )
    result = await conn.execute(
        select(load.location_id, load.starts_at, (load.booked - lapsed).label("booked")).where(
            load.location_id.in_(wanted), load.starts_at >= start, load.starts_at < end
        )
    )
    return {(row.location_id, row.starts_at): max(int(row.booked), 0) for row in result}
