"""Use case: fulfillment options for a cart (ship, pick up at nearby stores, same day), with ETAs.

One read gathers the cart's stock; every option is the sourcing engine's plan
for a variant of the same question, timed by `domain.fulfillment`; a pickup
the store cannot serve may be served by a transfer (`domain.transfers`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from app.resources import Resources
from app.services import slots as slot_service
from app.services import sourcing as routing
from app.services.uow import utc_now
from domain import fulfillment, geo, sourcing, transfers
from domain.errors import InvalidInput
from domain.fulfillment import Shortfall
from domain.locations import FulfillmentMethod, Geo, Location, check_geo
from domain.profiles import SourcingProfile
from domain.slots import OpenSlot

SHIP, PICKUP, SAME_DAY = FulfillmentMethod.SHIP, FulfillmentMethod.PICKUP, FulfillmentMethod.SAME_DAY
MAX_PICKUP_LOCATIONS = 20


@dataclass(frozen=True, slots=True)
class Option:
    method: FulfillmentMethod
    location_id: str | None
    available: bool
    split_count: int
    ready_by: datetime | None
    eta_hours: float | None
    plan: sourcing.Plan
    weights: dict[str, float]
    slot: OpenSlot | None = None  # PICKUP at a store with a slot policy: the next free slot
    transfer_from: str | None = None  # PICKUP served by a transfer: the location sending the cart


@dataclass(frozen=True, slots=True)
class CartQuestion:
    channel: str
    market: str
    lines: tuple[sourcing.Line, ...]
    destination: Geo | None = None
    pickup_location_ids: tuple[str, ...] | None = None
    max_pickup_locations: int = 5
    segment: str | None = None


def _check(question: CartQuestion) -> None:
    if not question.lines or any(line.quantity <= 0 for line in question.lines):
        raise InvalidInput("A cart needs lines with positive quantities", ("lines",))
    if not 0 <= question.max_pickup_locations <= MAX_PICKUP_LOCATIONS:
        raise InvalidInput(f"maxPickupLocations is 0 to {MAX_PICKUP_LOCATIONS}", ("maxPickupLocations",))
    if question.destination is not None:
        check_geo(question.destination, ("destination", "geo"))


async def fulfillment_options(
    resources: Resources, question: CartQuestion, now: datetime | None = None
) -> list[Option]:
    _check(question)
    now = now or utc_now()
    ask = routing.Ask(
        question.channel,
        question.market,
        sourcing.merge_lines(question.lines),
        SHIP,
        question.destination,
        segment=question.segment,
    )
    async with resources.db.read() as conn:
        inputs = await routing.gather(conn, resources, ask, now)
        cache = resources.availability.cache.locations
        stores = _pickup_stores(question, inputs, cache)
        pickups = await _slotted(conn, [_pickup(inputs, x, question.destination, now) for x in stores], cache, now)
    return [*_ship(inputs, now), *pickups, *_same_day(inputs, now)]


async def _slotted(
    conn: AsyncConnection, pickups: list[Option], locations: dict[str, Location], now: datetime
) -> list[Option]:
    """A store with a slot policy shows its next free slot, and is ready no sooner than that slot starts
    (policies and booked counts of every store: two statements at most)."""
    ready = [
        (locations[o.location_id], o.ready_by)
        for o in pickups
        if o.available and o.ready_by is not None and o.location_id in locations
    ]
    if not ready:
        return pickups
    found = await slot_service.next_slots(conn, ready, now)
    return [_with_slot(o, found.get(o.location_id or ""), now) for o in pickups]


def _with_slot(option: Option, slot: OpenSlot | None, now: datetime) -> Option:
    if slot is None or option.ready_by is None:
        return option
    ready = max(option.ready_by, slot.slot.starts_at)
    return replace(option, ready_by=ready, eta_hours=round((ready - now).total_seconds() / 3600, 2), slot=slot)


def _timed(
    inputs: routing.Inputs, plan: sourcing.Plan, method: FulfillmentMethod, now: datetime
) -> tuple[float | None, datetime | None]:
    return fulfillment.eta_of(plan, inputs.candidates, method), fulfillment.ready_by(plan, inputs.candidates, now)


def _option(
    inputs: routing.Inputs,
    plan: sourcing.Plan,
    method: FulfillmentMethod,
    now: datetime,
    *,
    location_id: str | None = None,
    profile: SourcingProfile | None = None,
) -> Option:
    eta, ready = _timed(inputs, plan, method, now)
    weights = (profile or inputs.profile).weights.as_dict()
    return Option(method, location_id, plan.complete, plan.shipments, ready, eta, plan, weights)


def _ship(inputs: routing.Inputs, now: datetime) -> list[Option]:
    choices = fulfillment.ship_choices(inputs.candidates, inputs.request, inputs.profile)
    return [_option(inputs, plan, SHIP, now, profile=profile) for plan, profile in choices]


def _pickup_stores(question: CartQuestion, inputs: routing.Inputs, locations: dict[str, Location]) -> list[Location]:
    if question.pickup_location_ids is not None:
        return [locations[i] for i in question.pickup_location_ids if i in locations]
    holding = {c.location.id for c in inputs.candidates}
    return fulfillment.pickup_stores(
        locations.values(), question.market, question.destination, holding, question.max_pickup_locations
    )


def _pickup(inputs: routing.Inputs, location: Location, destination: Geo | None, now: datetime) -> Option:
    candidates = [c for c in inputs.candidates if c.location.id == location.id] or [
        sourcing.Candidate(
            location,
            {},
            geo.distance_km(destination, location.geo) if destination else None,
            inputs.today.get(location.id, 0),
        )
    ]
    request = replace(inputs.request, method=PICKUP, pickup_location_id=location.id)
    plan = sourcing.plan(candidates, request, inputs.profile)
    if plan.complete:
        return _option(inputs, plan, PICKUP, now, location_id=location.id)
    transfer = transfers.find(inputs.candidates, request, inputs.profile, location, plan)
    if transfer is not None:
        return _transferred(inputs, location, transfer, now)
    shortfalls = [_shortfall(inputs, location.id, line) for line in plan.unallocated]
    ready = fulfillment.pickup_ready_by(now, location, shortfalls)
    eta = round((ready - now).total_seconds() / 3600, 2) if ready else None
    return Option(
        PICKUP, location.id, ready is not None, 1 if ready else 0, ready, eta, plan, inputs.profile.weights.as_dict()
    )


def _transferred(inputs: routing.Inputs, store: Location, transfer: transfers.Transfer, now: datetime) -> Option:
    """Ready after the source's turnaround, the transit and the store's turnaround."""
    ready = transfer.ready_by(now)
    eta = round((ready - now).total_seconds() / 3600, 2)
    weights = inputs.profile.weights.as_dict()
    source = transfer.source.id
    return Option(PICKUP, store.id, True, 1, ready, eta, transfer.plan, weights, transfer_from=source)


def _shortfall(inputs: routing.Inputs, location_id: str, line: sourcing.Line) -> Shortfall:
    position = inputs.positions.get((location_id, line.sku))
    if position is None:
        return Shortfall(line.sku, line.quantity, 0, None)
    return Shortfall(line.sku, line.quantity, position.inbound, position.inbound_eta)


def _same_day(inputs: routing.Inputs, now: datetime) -> Sequence[Option]:
    reachable = [
        c
        for c in inputs.candidates
        if SAME_DAY in c.location.capabilities and fulfillment.same_day_reachable(c.distance_km)
    ]
    if not reachable:
        return []
    profile = replace(inputs.profile, max_shipments=1)
    plan = sourcing.plan(reachable, replace(inputs.request, method=SAME_DAY), profile)
    location_id = plan.locations()[0] if plan.allocations else None
    return [_option(inputs, plan, SAME_DAY, now, location_id=location_id, profile=profile)]
