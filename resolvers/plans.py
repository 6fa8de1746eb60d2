"""GraphQL types for sourcing plans: allocations, candidates, explanations (contract section 3)."""

from __future__ import annotations

import dataclasses

import strawberry

from domain import sourcing
from domain.access import Principal
from domain.profiles import CRITERIA
from resolvers.context import Info
from resolvers.network import Location, load_location, stored_location


@strawberry.type
class CartLine:
    sku: str
    quantity: int


@strawberry.type(description="Units of a SKU taken from a location, and why that location.")
class Allocation:
    sku: str
    quantity: int
    reasons: list[str]
    location_id: strawberry.Private[str]

    @strawberry.field
    async def location(self, info: Info) -> Location:
        return await stored_location(info, self.location_id)


@strawberry.type
class CriterionScore:
    criterion: str
    score: float
    weight: float


@strawberry.type(description="How one location fared: the filters it failed, each criterion's score, the total.")
class SourcingCandidate:
    passed: bool
    failed_filters: list[str]
    scores: list[CriterionScore]
    total: float
    location_id: strawberry.Private[str]

    @strawberry.field
    async def location(self, info: Info) -> Location | None:
        return await load_location(info, self.location_id)


@strawberry.type(description="Where an order's units come from, what it costs, and why, for people and screens.")
class SourcingPlan:
    allocations: list[Allocation]
    shipments: int
    unallocated: list[CartLine]
    profile_id: strawberry.ID
    estimated_cost: float
    explanation: list[str]
    candidates: list[SourcingCandidate]


def seen_by(plan: SourcingPlan, principal: Principal) -> SourcingPlan:
    """The part of a stored plan a location-bound caller may see: its own locations' allocations,
    candidates and explanation lines; nothing that names another store."""
    if principal.locations is None:
        return plan
    others = {a.location_id for a in plan.allocations} | {c.location_id for c in plan.candidates}
    others = {x for x in others if not principal.sees_location(x)}
    return dataclasses.replace(
        plan,
        allocations=[a for a in plan.allocations if principal.sees_location(a.location_id)],
        candidates=[c for c in plan.candidates if principal.sees_location(c.location_id)],
        explanation=[line for line in plan.explanation if not any(x in line for x in others)],
    )


def plan_node(plan: sourcing.Plan, weights: dict[str, float]) -> SourcingPlan:
    return SourcingPlan(
        allocations=[
            Allocation(sku=a.sku, quantity=a.quantity, reasons=list(a.reasons), location_id=a.location_id)
            for a in plan.allocations
        ],
        shipments=plan.shipments,
        unallocated=[CartLine(sku=u.sku, quantity=u.quantity) for u in plan.unallocated],
        profile_id=strawberry.ID(plan.profile_id),
        estimated_cost=plan.estimated_cost,
        explanation=list(plan.explanation),
        candidates=[
            SourcingCandidate(
                passed=c.passed,
                failed_filters=list(c.failures),
                scores=[
                    CriterionScore(criterion=name, score=c.scores[name], weight=weights.get(name, 0.0))
                    for name in CRITERIA
                    if name in c.scores
                ],
                total=c.total,
                location_id=c.location_id,
            )
            for c in plan.candidates
        ],
    )
