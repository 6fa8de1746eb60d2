"""Use cases for click & collect slots: a store's slot policy, slot listings, the next free slot.

The grid and what is bookable are `domain.slots`' rules; here they meet the
stored policies and the booking counters, in one transaction per command and
one short read per batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from app.services.uow import UnitOfWork, utc_now
from app.store import catalog
from app.store import slots as store
from app.store.db import Database
from domain import slots
from domain.errors import DomainError, InvalidInput, NotFound
from domain.fulfillment import DEFAULT_TURNAROUND_HOURS, turnaround
from domain.local_time import check_timezone
from domain.locations import FulfillmentMethod, Location
from domain.slots import OpenSlot, SlotPolicy


async def upsert_slot_policy(uow: UnitOfWork, *, policy: SlotPolicy, timezone: str) -> tuple[SlotPolicy, Location]:
    """Store the policy and the location's time zone together (slots count in that zone's days)."""
    check_timezone(timezone, ("input", "timezone"))
    slots.validate_policy(policy)
    async with uow:
        found = (await catalog.locations_by_id(uow.conn, [policy.location_id])).get(policy.location_id)
        if found is None:
            raise NotFound(f"Unknown location {policy.location_id!r}", ("input", "locationId"))
        if FulfillmentMethod.PICKUP not in found.capabilities:
            raise InvalidInput(
                f"Location {policy.location_id!r} does not offer PICKUP", ("input", "locationId"), location=found.id
            )
        await store.save_policy(uow.conn, policy, uow.now)
        await store.set_timezone(uow.conn, found.id, timezone, uow.now)
    return policy, replace(found, timezone=timezone)


async def policies_by_location(db: Database, ids: Sequence[str]) -> list[SlotPolicy | None]:
    """For the dataloader: each location's policy or None, in the ids' order."""
    async with db.read() as conn:
        found = await store.policies_for(conn, ids)
    return [found.get(i) for i in ids]


@dataclass(frozen=True, slots=True)
class SlotAsk:
    """One listing: a location (with the zone and turnaround the request saw) and a window."""

    location_id: str
    timezone: str | None
    turnaround_hours: float | None
    start: datetime
    end: datetime


async def slot_listings(db: Database, asks: Sequence[SlotAsk], now: datetime | None = None) -> list[list[OpenSlot]]:
    """For the dataloader: the bookable slots of each ask, with booked counts (two statements per batch)."""
    now = now or utc_now()
    if not asks:
        return []
    async with db.read() as conn:
        policies = await store.policies_for(conn, [a.location_id for a in asks])
        wanted = [a for a in asks if a.location_id in policies]
        booked = await store.booked_between(
            conn,
            [a.location_id for a in wanted],
            min((a.start for a in wanted), default=now),
            max((a.end for a in wanted), default=now),
            now,
        )
    return [_listing(ask, policies.get(ask.location_id), booked, now) for ask in asks]


def _listing(
    ask: SlotAsk, policy: SlotPolicy | None, booked: dict[tuple[str, datetime], int], now: datetime
) -> list[OpenSlot]:
    if policy is None:
        return []
    hours = ask.turnaround_hours if ask.turnaround_hours is not None else DEFAULT_TURNAROUND_HOURS
    earliest = slots.earliest_start(now, policy, hours)
    found = slots.slots_between(policy, ask.timezone, ask.start, ask.end, earliest)
    return slots.with_load(policy, found, _of(booked, ask.location_id))


def _of(booked: dict[tuple[str, datetime], int], location_id: str) -> dict[datetime, int]:
    return {at: n for (loc, at), n in booked.items() if loc == location_id}


async def next_slots(
    conn: AsyncConnection, stores: Sequence[tuple[Location, datetime]], now: datetime
) -> dict[str, OpenSlot | None]:
    """The first free slot of each pickup store with a policy, looking from each store's `ready` time
    (at least now + turnaround + lead); at most two statements whatever the number of stores."""
    policies = await store.policies_for(conn, [loc.id for loc, _ in stores])
    earliest = {
        loc.id: max(slots.earliest_start(now, policies[loc.id], turnaround(loc)), ready)
        for loc, ready in stores
        if loc.id in policies
    }
    if not earliest:
        return {}
    start, end = min(earliest.values()), slots.lookahead(max(earliest.values()))
    booked = await store.booked_between(conn, list(earliest), start, end, now)
    by_id = {loc.id: loc for loc, _ in stores}
    return {
        loc_id: slots.next_free(policies[loc_id], by_id[loc_id].timezone, at, _of(booked, loc_id))
        for loc_id, at in earliest.items()
    }


async def booked_slot(db: Database, location_id: str, starts_at: datetime) -> OpenSlot | None:
    """A slot someone booked, as it stands now (None when the store's policy no longer has it)."""
    async with db.read() as conn:
        policy = await store.policy_for(conn, location_id)
        if policy is None:
            return None
        booked = await store.booked_between(conn, [location_id], starts_at, starts_at + timedelta(seconds=1), utc_now())
        location = (await catalog.locations_by_id(conn, [location_id])).get(location_id)
    try:
        slot = slots.slot_at(policy, location.timezone if location else None, starts_at, starts_at)
    except DomainError:
        return None
    return OpenSlot(slot, policy.capacity_per_slot, booked.get((location_id, slot.starts_at), 0))
