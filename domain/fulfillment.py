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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.locations import FulfillmentMethod, Location

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
