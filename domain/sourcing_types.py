"""The words sourcing speaks: an order's lines, a candidate location, the request and the plan.

A candidate is a location as sourcing sees it (its ATP per SKU under the
order's channel rules, its distance, today's load, its performance); a plan
is the allocations that ship, what could not be allocated, its cost, and the
explanation. The search (`domain.sourcing`) and the explanation
(`domain.sourcing_explain`) both use these and nothing of each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from domain.locations import FulfillmentMethod, Geo, Location


@dataclass(frozen=True, slots=True)
class Line:
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Candidate:
    """A location as sourcing sees it: its ATP per SKU under the order's channel rules.

    ATP is never negative, and location ids are unique among one plan's candidates."""

    location: Location
    atp: dict[str, int]
    distance_km: float | None = None
    fulfillments_today: int = 0
    performance: float = 1.0


@dataclass(frozen=True, slots=True)
class Request:
    lines: tuple[Line, ...]
    method: FulfillmentMethod
    market: str
    destination: Geo | None = None
    pickup_location_id: str | None = None
    excluded: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class CandidateReport:
    location_id: str
    passed: bool
    failures: tuple[str, ...]
    scores: dict[str, float]
    total: float


@dataclass(frozen=True, slots=True)
class Allocation:
    location_id: str
    sku: str
    quantity: int
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    profile_id: str
    allocations: tuple[Allocation, ...]
    unallocated: tuple[Line, ...]
    estimated_cost: float
    explanation: tuple[str, ...]
    candidates: tuple[CandidateReport, ...] = field(default=())

    @property
    def shipments(self) -> int:
        return len({a.location_id for a in self.allocations})

    @property
    def complete(self) -> bool:
        return not self.unallocated

    def locations(self) -> list[str]:
        return list(dict.fromkeys(a.location_id for a in self.allocations))


def merge_lines(lines: Sequence[Line]) -> tuple[Line, ...]:
    """One line per SKU (quantities summed), in first-seen order."""
    totals: dict[str, int] = {}
    for line in lines:
        totals[line.sku] = totals.get(line.sku, 0) + line.quantity
    return tuple(Line(sku, qty) for sku, qty in totals.items())
