"""Click & collect slots: when a shopper may collect a pickup order at a store.

A store with a slot policy opens a grid of slots every local day: from
`opens_at` in steps of `slot_minutes`, each slot fitting whole before
`closes_at` (a last partial slot is dropped). A slot is a local wall-clock
interval converted to UTC, so daylight-saving days follow the clock on the
shop's wall: on a spring-forward day a slot whose start the clock skips does
not exist; on a fall-back day the slot holding the repeated hour lasts that
much longer in real time. A slot can be booked only once the order can be
ready: `now + the store's turnaround + lead_minutes`. Each slot takes at most
`capacity_per_slot` orders (the booking counter enforces it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from domain.errors import InvalidInput, SlotFull
from domain.local_time import at_local, zone

MAX_LISTING_DAYS = 31
NEXT_SLOT_LOOKAHEAD_DAYS = 7  # how far fulfillment options look for a free slot
SLOT_MINUTES = (5, 480)
CAPACITY_PER_SLOT = (1, 10_000)
LEAD_MINUTES = (0, 10_080)
SLOT_FIELD = ("delivery", "pickupSlotStartsAt")


@dataclass(frozen=True, slots=True)
class SlotPolicy:
    location_id: str
    opens_at: time  # local wall clock
    closes_at: time  # local; must be after opens_at (no overnight policies)
    slot_minutes: int  # 5..480
    capacity_per_slot: int  # 1..10_000 orders per slot
    lead_minutes: int = 0  # 0..10_080


@dataclass(frozen=True, slots=True)
class Slot:
    starts_at: datetime  # aware, UTC
    ends_at: datetime


def validate_policy(policy: SlotPolicy) -> SlotPolicy:
    """Return the policy if every field is acceptable, else raise InvalidInput naming the input field."""
    if not policy.location_id.strip():
        raise InvalidInput("locationId must not be empty", ("input", "locationId"))
    if policy.closes_at <= policy.opens_at:
        raise InvalidInput(
            "closesAt must be after opensAt (overnight opening hours are not supported)",
            ("input", "closesAt"),
            opens_at=policy.opens_at.isoformat("minutes"),
            closes_at=policy.closes_at.isoformat("minutes"),
        )
    _within(policy.slot_minutes, SLOT_MINUTES, "slotMinutes")
    _within(policy.capacity_per_slot, CAPACITY_PER_SLOT, "capacityPerSlot")
    _within(policy.lead_minutes, LEAD_MINUTES, "leadMinutes")
    return policy


def _within(value: int, bounds: tuple[int, int], name: str) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be {low} to {high}", ("input", name), value=value)


def earliest_start(now: datetime, policy: SlotPolicy, turnaround_hours: float) -> datetime:
    """The first moment a slot may start: the order must be ready (turnaround) and the store given its lead."""
    return now + timedelta(hours=turnaround_hours, minutes=policy.lead_minutes)


def check_range(start: datetime, end: datetime) -> None:
    """A listing window runs forward and spans at most MAX_LISTING_DAYS (listings stay small)."""
    if end < start:
        raise InvalidInput("`to` must not be before `from`", ("to",))
    if end - start > timedelta(days=MAX_LISTING_DAYS):
        raise InvalidInput(f"List at most {MAX_LISTING_DAYS} days of slots at a time", ("to",))


def _exists(moment: datetime, naive: datetime) -> bool:
    """Whether a local wall-clock time really happens (not skipped by a spring-forward jump)."""
    return moment.astimezone(UTC).astimezone(moment.tzinfo).replace(tzinfo=None, fold=0) == naive


def day_slots(policy: SlotPolicy, timezone: str | None, day: date) -> list[Slot]:
    """The slots of one local day, in order."""
    opens = datetime.combine(day, policy.opens_at)
    closes = datetime.combine(day, policy.closes_at)
    step = timedelta(minutes=policy.slot_minutes)
    found: list[Slot] = []
    wall = opens
    while wall + step <= closes:
        start = at_local(day, wall.time(), timezone)
        if _exists(start, wall):
            end = at_local((wall + step).date(), (wall + step).time(), timezone)
            found.append(Slot(start.astimezone(UTC), end.astimezone(UTC)))
        wall += step
    return found


def _local_date(at: datetime, timezone: str | None) -> date:
    return at.astimezone(zone(timezone)).date()


def slots_between(
    policy: SlotPolicy, timezone: str | None, start: datetime, end: datetime, earliest: datetime
) -> list[Slot]:
    """Every bookable slot starting in [start, end) and not before `earliest`, in order."""
    first, last = _local_date(start, timezone), _local_date(end, timezone)
    floor = max(start, earliest)
    found: list[Slot] = []
    day = first
    while day <= last:
        found.extend(s for s in day_slots(policy, timezone, day) if floor <= s.starts_at < end)
        day += timedelta(days=1)
    return found


def slot_at(policy: SlotPolicy, timezone: str | None, starts_at: datetime, earliest: datetime) -> Slot:
    """The slot starting exactly at `starts_at`, if the store is open then and the order can be ready."""
    slots = day_slots(policy, timezone, _local_date(starts_at, timezone))
    match = next((s for s in slots if s.starts_at == starts_at), None)
    if match is None:
        inside = any(s.starts_at < starts_at < s.ends_at for s in slots)
        when = starts_at.astimezone(zone(timezone)).isoformat()
        if not inside:
            raise SlotFull(
                f"The store is closed at {when}: no pickup slot starts then (outside opening hours)",
                SLOT_FIELD,
                location=policy.location_id,
                starts_at=starts_at.isoformat(),
            )
        raise InvalidInput(
            f"{when} is not the start of a pickup slot (slots last {policy.slot_minutes} minutes"
            f" from {policy.opens_at.isoformat('minutes')})",
            SLOT_FIELD,
            location=policy.location_id,
        )
    if match.starts_at < earliest:
        raise SlotFull(
            f"This slot is too soon: the earliest slot starts at {earliest.isoformat()} or later",
            SLOT_FIELD,
            location=policy.location_id,
            starts_at=starts_at.isoformat(),
        )
    return match


def available(capacity: int, booked: int) -> int:
    """Orders a slot can still take (a lowered capacity never shows a negative number)."""
    return max(0, capacity - booked)


@dataclass(frozen=True, slots=True)
class OpenSlot:
    """A slot as a shopper sees it: the policy's capacity and what is booked already."""

    slot: Slot
    capacity: int
    booked: int


def with_load(policy: SlotPolicy, slots: list[Slot], booked: Mapping[datetime, int]) -> list[OpenSlot]:
    return [OpenSlot(s, policy.capacity_per_slot, booked.get(s.starts_at, 0)) for s in slots]


def lookahead(earliest: datetime) -> datetime:
    return earliest + timedelta(days=NEXT_SLOT_LOOKAHEAD_DAYS)


def next_free(
    policy: SlotPolicy, timezone: str | None, earliest: datetime, booked: Mapping[datetime, int]
) -> OpenSlot | None:
    """The first slot from `earliest` with room left within the look-ahead (None: none free)."""
    slots = slots_between(policy, timezone, earliest, lookahead(earliest), earliest)
    return next((x for x in with_load(policy, slots, booked) if available(x.capacity, x.booked) > 0), None)
