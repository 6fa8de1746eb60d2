"""A sourcing simulation: what a window of past orders would have looked like under a draft profile.

Both the draft and the baseline replay the same orders (`domain.replay`); the
KPIs say which served more, split less, travelled less and cost less, and
which locations would have taken more fulfillments in a day than their daily
capacity. A window is at most 92 days, from before to; a simulation is a job
(QUEUED, RUNNING with progress, then SUCCEEDED, FAILED or CANCELLED) whose
state is a checkpoint that survives restarts.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from domain import geo, sourcing
from domain.errors import InvalidInput
from domain.locations import Location
from domain.replay import PastOrder

MAX_WINDOW = timedelta(days=92)
MAX_DIFFERENCES = 500  # orders whose plans differ, kept with both plans (the counts cover them all)
CHUNK = 1000  # orders replayed between two checkpoints


class JobStatus(enum.StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


LIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


def check_window(start: datetime, end: datetime) -> None:
    if start > end:
        raise InvalidInput("from is after to", ("from",))
    if end - start > MAX_WINDOW:
        raise InvalidInput(f"The window is over {MAX_WINDOW.days} days", ("to",), days=(end - start).days)


@dataclass(slots=True)
class Tally:
    """One profile's KPIs so far, kept as plain numbers so a checkpoint can store and restore them."""

    orders: int = 0
    fully_served: int = 0
    unallocated_units: int = 0
    shipments: int = 0
    split_orders: int = 0
    distance_km: float = 0.0
    distance_count: int = 0
    cost: float = 0.0
    fulfillments: dict[str, int] = field(default_factory=dict)  # location -> fulfillments
    units: dict[str, int] = field(default_factory=dict)  # location -> units

    def add(self, order: PastOrder, plan: sourcing.Plan, locations: dict[str, Location]) -> None:
        self.orders += 1
        self.fully_served += int(plan.complete)
        self.unallocated_units += sum(u.quantity for u in plan.unallocated)
        self.shipments += plan.shipments
        self.split_orders += int(plan.shipments > 1)
        self.cost += plan.estimated_cost
        for loc in plan.locations():
            self.fulfillments[loc] = self.fulfillments.get(loc, 0) + 1
            if order.destination is not None and loc in locations:
                self.distance_km += geo.distance_km(order.destination, locations[loc].geo)
                self.distance_count += 1
        for a in plan.allocations:
            self.units[a.location_id] = self.units.get(a.location_id, 0) + a.quantity

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}  # type: ignore[attr-defined]

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Tally:
        return cls(**raw)


@dataclass(frozen=True, slots=True)
class LocationLoad:
    location_id: str
    fulfillments: int
    units: int
    days_over_capacity: int


@dataclass(frozen=True, slots=True)
class Kpis:
    orders_fully_served: int
    unallocated_units: int
    shipments: int
    split_rate: float
    average_distance_km: float
    estimated_cost: float
    per_location: tuple[LocationLoad, ...]


def kpis(tally: Tally, load: dict[tuple[str, str], int], locations: dict[str, Location]) -> Kpis:
    """The KPIs of a finished replay; `load` is fulfillments per (location, local day)."""
    over: dict[str, int] = {}
    for (loc, _day), count in load.items():
        capacity = locations[loc].daily_capacity if loc in locations else None
        if capacity is not None and count > capacity:
            over[loc] = over.get(loc, 0) + 1
    per_location = tuple(
        LocationLoad(loc, tally.fulfillments.get(loc, 0), tally.units.get(loc, 0), over.get(loc, 0))
        for loc in sorted(set(tally.fulfillments) | set(over))
    )
    return Kpis(
        orders_fully_served=tally.fully_served,
        unallocated_units=tally.unallocated_units,
        shipments=tally.shipments,
        split_rate=tally.split_orders / tally.orders if tally.orders else 0.0,
        average_distance_km=tally.distance_km / tally.distance_count if tally.distance_count else 0.0,
        estimated_cost=round(tally.cost, 2),
        per_location=per_location,
    )


def kpis_to_json(found: Kpis) -> dict[str, Any]:
    return {
        "orders_fully_served": found.orders_fully_served,
        "unallocated_units": found.unallocated_units,
        "shipments": found.shipments,
        "split_rate": found.split_rate,
        "average_distance_km": found.average_distance_km,
        "estimated_cost": found.estimated_cost,
        "per_location": [[x.location_id, x.fulfillments, x.units, x.days_over_capacity] for x in found.per_location],
    }


def kpis_from_json(raw: dict[str, Any]) -> Kpis:
    return Kpis(
        orders_fully_served=int(raw["orders_fully_served"]),
        unallocated_units=int(raw["unallocated_units"]),
        shipments=int(raw["shipments"]),
        split_rate=float(raw["split_rate"]),
        average_distance_km=float(raw["average_distance_km"]),
        estimated_cost=float(raw["estimated_cost"]),
        per_location=tuple(LocationLoad(str(a), int(b), int(c), int(d)) for a, b, c, d in raw["per_location"]),
    )
