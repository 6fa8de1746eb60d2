"""Locations: the stores, hub stores, warehouses, dark stores and drop-ship
vendors that hold stock and fulfil orders.

A location is identified by the client's own stable reference ("store-042").
It serves one or more markets, offers some fulfillment methods, and carries the
figures sourcing weighs later (priority, capacity, turnaround, handling cost).
Only an active location serving the request's market can promise stock.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from domain.errors import InvalidInput
from domain.local_time import check_timezone


class LocationType(enum.Enum):
    STORE = "STORE"
    HUB_STORE = "HUB_STORE"
    WAREHOUSE = "WAREHOUSE"
    DARK_STORE = "DARK_STORE"
    DROP_SHIP_VENDOR = "DROP_SHIP_VENDOR"


class FulfillmentMethod(enum.Enum):
    SHIP = "SHIP"
    PICKUP = "PICKUP"
    SAME_DAY = "SAME_DAY"


@dataclass(frozen=True, slots=True)
class Geo:
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Location:
    id: str
    name: str
    type: LocationType
    markets: tuple[str, ...]
    geo: Geo
    capabilities: tuple[FulfillmentMethod, ...]
    priority: int = 0
    daily_capacity: int | None = None
    turnaround_hours: float | None = None
    pick_process_id: str | None = None
    handling_cost: float | None = None
    active: bool = True
    timezone: str | None = None  # IANA name; None is UTC. Daily capacity and pickup slots count local days.

    def serves(self, market: str) -> bool:
        """Whether this location may promise stock to shoppers of `market`."""
        return self.active and market in self.markets


MAX_ID_LENGTH = 64


def check_geo(geo: Geo, field: tuple[str, ...]) -> None:
    """Coordinates on the globe (NaN and infinity are not)."""
    if not (-90.0 <= geo.lat <= 90.0) or not (-180.0 <= geo.lon <= 180.0):
        raise InvalidInput("Coordinates out of range (lat -90..90, lon -180..180)", field, lat=geo.lat, lon=geo.lon)


def validate(location: Location) -> Location:
    """Return the location if every field is acceptable, else raise InvalidInput."""
    _check_reference(location.id, "id")
    if not location.name.strip():
        raise InvalidInput("Location name must not be empty", ("name",))
    if not location.markets or any(not m.strip() for m in location.markets):
        raise InvalidInput("A location serves at least one market; market codes are not empty", ("markets",))
    check_geo(location.geo, ("geo",))
    _check_non_negative(location.daily_capacity, "dailyCapacity")
    _check_non_negative(location.turnaround_hours, "turnaroundHours")
    _check_non_negative(location.handling_cost, "handlingCost")
    check_timezone(location.timezone, ("timezone",))
    return location


def _check_reference(value: str, field_name: str) -> None:
    if not value.strip() or len(value) > MAX_ID_LENGTH:
        raise InvalidInput(f"{field_name} must be 1 to {MAX_ID_LENGTH} characters", (field_name,))


def _check_non_negative(value: float | None, field_name: str) -> None:
    if value is not None and (value < 0 or math.isnan(value)):
        raise InvalidInput(f"{field_name} must not be negative", (field_name,), value=value)
