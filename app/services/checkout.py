"""What placing an order and holding a cart share: claims on daily capacity and pickup slots, and ending holds.

A claim is decided here and made by a guarded write (`app.store.counters`, or
the one-statement order write on PostgreSQL) in the command's transaction.
Ending a hold (released, expired, converted) gives back what it holds, in the
lock order every writer follows: hold rows by id, then positions by
(location, sku), then capacity counters, then the slot.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from app.resources import Resources
from app.services import sourcing as routing
from app.services.inventory import AVAILABILITY_TOPIC
from app.services.uow import UnitOfWork
from app.store import counters, reservations, slots
from app.store import holds as hold_store
from app.store.counters import CapacityClaim
from app.store.db import is_conflict
from domain import fulfillment, sourcing
from domain import slots as slot_rules
from domain.errors import CapacityExhausted, DomainError, InsufficientStock, InvalidInput, SlotFull
from domain.holds import Hold, HoldStatus, transition
from domain.ledger import Cause, Why
from domain.local_time import local_day
from domain.locations import Location
from domain.orders import Delivery

SLOT_FIELD = ("delivery", "pickupSlotStartsAt")
ATTEMPTS = 3
T = TypeVar("T")


class StockMoved(Exception):
    """A guarded reservation or capacity claim found less than the read said: retry from a fresh read."""

    def __init__(self, capacity: bool = False) -> None:
        super().__init__()
        self.capacity = capacity


def slot_full() -> SlotFull:
    return SlotFull("That pickup slot is full; choose another", SLOT_FIELD)


async def retried(attempt: Callable[[], Awaitable[T]], *, doing: str, kept: str, field: tuple[str, ...]) -> T:
    """Run a command that reads, decides and writes with guarded claims; when stock or capacity moved under
    it, or PostgreSQL aborted it for a lock conflict with another command, run it again from a fresh read
    (ATTEMPTS times), then say which ran out."""
    capacity = False
    for _ in range(ATTEMPTS):
        try:
            return await attempt()
        except StockMoved as moved:
            capacity = moved.capacity
        except Exception as error:
            if not is_conflict(error):  # a PostgreSQL deadlock or serialization failure rolled it all back
                raise
    if capacity:
        raise CapacityExhausted(f"Daily capacity was used up while {doing}; {kept}", field)
    raise InsufficientStock(f"Stock moved while {doing}; {kept}, try again", field)


@dataclass(frozen=True, slots=True)
class SlotBooking:
    location_id: str
    starts_at: datetime
    capacity: int


async def slot_booking(
    conn: AsyncConnection, resources: Resources, delivery: Delivery, now: datetime
) -> SlotBooking | None:
    """The pickup slot a delivery names, checked against the store's policy (None when it names none)."""
    starts_at = delivery.pickup_slot_starts_at
    if starts_at is None:
        return None
    location = resources.availability.cache.locations.get(delivery.pickup_location_id or "")
    if location is None:
        raise InvalidInput("A pickup slot needs a known pickupLocationId", ("delivery", "pickupLocationId"))
    policy = await slots.policy_for(conn, location.id)
    if policy is None:
        raise InvalidInput(f"{location.id} does not take pickup slot bookings", SLOT_FIELD)
    earliest = slot_rules.earliest_start(now, policy, fulfillment.turnaround(location))
    slot = slot_rules.slot_at(policy, location.timezone, starts_at, earliest)
    return SlotBooking(location.id, slot.starts_at, policy.capacity_per_slot)


def capacity_claims(locations: dict[str, Location], location_ids: Iterable[str], now: datetime) -> list[CapacityClaim]:
    """A unit of the local day's capacity at each location that has one, in lock order."""
    return [
        CapacityClaim(loc, local_day(now, locations[loc].timezone), capacity)
        for loc in sorted(set(location_ids))
        if loc in locations and (capacity := locations[loc].daily_capacity) is not None
    ]


def shortfall(inputs: routing.Inputs, plan: sourcing.Plan) -> DomainError:
    """Why a cart cannot be served whole: CAPACITY_EXHAUSTED when it could be but for full locations."""
    if inputs.profile.respect_capacity:
        unbound = sourcing.plan(inputs.candidates, inputs.request, replace(inputs.profile, respect_capacity=False))
        if unbound.complete:
            full = sorted({a.location_id for a in unbound.allocations})
            return CapacityExhausted(
                f"Daily capacity used up at {', '.join(full)}; no other location can serve the cart",
                ("lines",),
                locations=full,
            )
    missing = ", ".join(f"{u.sku} x{u.quantity}" for u in plan.unallocated)
    return InsufficientStock(
        f"Not enough available to promise: {missing}",
        ("lines",),
        missing=[{"sku": u.sku, "quantity": u.quantity} for u in plan.unallocated],
    )


async def expire_lapsed(
    uow: UnitOfWork, takes: Sequence[tuple[str, str, int]], expired: dict[tuple[str, str], int] | None = None
) -> bool:
    """End the holds past their time that still hold units where this command reserves: their units are free
    already for every read, and the guarded reservation needs them out of `reserved` too. `expired` is what
    the command's read found (None: look). True if any hold was ended."""
    touched = [(loc, sku) for loc, sku, _ in takes if expired is None or expired.get((loc, sku))]
    if not touched:
        return False
    due = await hold_store.due_at(uow.conn, uow.now, touched)
    return bool(await end_holds(uow, due, HoldStatus.EXPIRED, only_due=True))


async def end_holds(
    uow: UnitOfWork, hold_ids: Sequence[str], target: HoldStatus, *, only_due: bool = False
) -> list[Hold]:
    """End these ACTIVE holds (RELEASED or EXPIRED): free their units, capacity and slots. Holds another
    writer ended meanwhile, or (with `only_due`) extended meanwhile, are left alone."""
    ending = [h for h in await hold_store.lock_active(uow.conn, hold_ids) if not only_due or h.expires_at <= uow.now]
    if not ending:
        return []
    units: dict[tuple[str, str], int] = {}
    for hold in ending:
        transition(hold.status, target)
        for loc, sku, qty in hold.allocations:
            units[(loc, sku)] = units.get((loc, sku), 0) + qty
    ref = ",".join(h.id for h in ending)[:200]
    for (loc, sku), qty in sorted(units.items()):
        await reservations.release(uow.conn, sku, loc, qty, uow.now, why=Why(Cause.HOLD_RELEASE, ref))
    await counters.give_back_all(uow.conn, [(loc, day) for h in ending for loc, day in h.capacity_days.items()])
    for slot in sorted(h.slot for h in ending if h.slot is not None):  # lock order: counters, then slots
        await counters.free_slot(uow.conn, slot[0], slot[1])
    for hold in ending:
        await hold_store.end(uow.conn, hold.id, target, uow.now)
    uow.emit(AVAILABILITY_TOPIC, {"skus": sorted({sku for _, sku in units})})
    return ending
