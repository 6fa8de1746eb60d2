"""Fulfillment options and ETAs: how soon a cart can reach the shopper, each way.

Times come from a documented model, computed from an injected `now`:
- ready = now + the location's turnaround hours (default 4 h);
- SHIP transit = one day per started 800 km (at least one day);
- SAME_DAY transit = 1 h + distance at 30 km/h, offered within 50 km only;
- PICKUP transit = none; when the store lacks some units but inbound stock
  will cover them, it is ready after the latest needed inbound ETA.

A shipment's ETA is ready + transit; a plan's is its slowest shipment's. When
splitting ships sooner than one parcel, both are offered ("one parcel Thursday,
or two parcels Tuesday and Thursday").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from domain import sourcing
from domain.geo import distance_km
from domain.locations import FulfillmentMethod, Geo, Location
from domain.profiles import SourcingProfile

DEFAULT_TURNAROUND_HOURS = 4.0
SHIP_KM_PER_DAY = 800.0
SAME_DAY_MAX_KM = 50.0
SAME_DAY_KMH = 30.0


def turnaround(location: Location) -> float:
    return location.turnaround_hours if location.turnaround_hours is not None else DEFAULT_TURNAROUND_HOURS


def transit_hours(method: FulfillmentMethod, distance_km: float | None) -> float:
    distance = distance_km or 0.0
    if method is FulfillmentMethod.SHIP:
        return 24.0 * max(1, math.ceil(distance / SHIP_KM_PER_DAY))
    if method is FulfillmentMethod.SAME_DAY:
        return 1.0 + distance / SAME_DAY_KMH
    return 0.0


def shipment_eta_hours(method: FulfillmentMethod, location: Location, distance_km: float | None) -> float:
    return turnaround(location) + transit_hours(method, distance_km)


def plan_eta_hours(method: FulfillmentMethod, shipments: Sequence[tuple[Location, float | None]]) -> float | None:
    """The slowest shipment decides when the order is complete; None without shipments."""
    if not shipments:
        return None
    return round(max(shipment_eta_hours(method, loc, dist) for loc, dist in shipments), 2)


def same_day_reachable(distance_km: float | None) -> bool:
    return distance_km is not None and distance_km <= SAME_DAY_MAX_KM


@dataclass(frozen=True, slots=True)
class Shortfall:
    """Units a pickup store lacks now, and when its inbound stock would cover them (None: never)."""

    sku: str
    missing: int
    inbound: int
    inbound_eta: datetime | None


def pickup_ready_by(now: datetime, location: Location, shortfalls: Sequence[Shortfall]) -> datetime | None:
    """When a pickup order could be ready here; None when inbound stock cannot cover what is missing."""
    latest = now
    for short in shortfalls:
        if short.inbound < short.missing or short.inbound_eta is None:
            return None
        latest = max(latest, short.inbound_eta)
    return latest + timedelta(hours=turnaround(location))


def split_is_sooner(single_eta: float | None, split_eta: float | None, split_count: int) -> bool:
    """Offer a split beside the single parcel only when it really arrives earlier."""
    return split_count > 1 and split_eta is not None and (single_eta is None or split_eta < single_eta)


def eta_of(plan: sourcing.Plan, candidates: Sequence[sourcing.Candidate], method: FulfillmentMethod) -> float | None:
    """When a complete plan arrives (its slowest shipment); None for an incomplete one."""
    if not plan.complete:
        return None
    by_id = {c.location.id: c for c in candidates}
    return plan_eta_hours(method, [(by_id[x].location, by_id[x].distance_km) for x in plan.locations()])


def ship_choices(
    candidates: Sequence[sourcing.Candidate], request: sourcing.Request, profile: SourcingProfile
) -> list[tuple[sourcing.Plan, SourcingProfile]]:
    """The profile's plan; or, when a split arrives sooner than one parcel, the single parcel and the split."""
    ship = FulfillmentMethod.SHIP
    single_profile = replace(profile, max_shipments=1)
    single = sourcing.plan(candidates, request, single_profile)
    single_eta = eta_of(single, candidates, ship)
    if single_eta is not None:
        faster = [c for c in candidates if shipment_eta_hours(ship, c.location, c.distance_km) < single_eta]
        split = sourcing.plan(faster, request, profile)
        if split_is_sooner(single_eta, eta_of(split, candidates, ship), split.shipments):
            return [(single, single_profile), (split, profile)]
    return [(sourcing.plan(candidates, request, profile), profile)]


def pickup_stores(
    locations: Iterable[Location], market: str, destination: Geo | None, holding: set[str], limit: int
) -> list[Location]:
    """Stores offering pickup in the market: the nearest to the shopper, or (no address) those holding stock."""
    stores = [x for x in locations if x.serves(market) and FulfillmentMethod.PICKUP in x.capabilities]
    if destination is not None:
        stores.sort(key=lambda x: (distance_km(destination, x.geo), x.id))
    else:
        stores.sort(key=lambda x: (x.id not in holding, x.id))
    return stores[:limit]


def ready_by(plan: sourcing.Plan, candidates: Sequence[sourcing.Candidate], now: datetime) -> datetime | None:
    """When every shipment of a complete plan is ready to leave (or to collect)."""
    if not plan.complete or not plan.allocations:
        return None
    by_id = {c.location.id: c for c in candidates}
    return max(now + timedelta(hours=turnaround(by_id[x].location)) for x in plan.locations())
