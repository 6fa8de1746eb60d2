"""GraphQL surface for the decision lab (contract section 9): sourcing simulations; `availability(asOf:)` is in
resolvers/availability."""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime, timedelta
from typing import Annotated

import strawberry

from app.services import history
from app.services import simulations as service
from app.services.uow import utc_now
from domain import accuracy, simulation
from domain.errors import DomainError, InvalidInput
from resolvers.context import Info
from resolvers.errors import UserError, bad_request, user_error
from resolvers.network import Location, stored_location
from resolvers.plans import SourcingPlan, plan_node
from resolvers.profiles import SourcingProfileInput


@strawberry.enum(description="Where a background job stands.")
class JobStatus(enum.Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


@strawberry.input(description="A draft sourcing profile replayed on the orders placed in a window (at most 92 days).")
class SimulateSourcingInput:
    profile: SourcingProfileInput = strawberry.field(description="The draft; not saved.")
    baseline_profile_id: strawberry.ID | None = strawberry.field(default=strawberry.ID("default"))
    from_: datetime = strawberry.field(name="from")
    to: datetime
    channel: str | None = None
    market: str | None = None


@strawberry.type(description="A location's share of a replay, and on how many days it exceeded its daily capacity.")
class LocationLoad:
    fulfillments: int
    units: int
    days_over_capacity: int
    location_id: strawberry.Private[str]

    @strawberry.field
    async def location(self, info: Info) -> Location:
        return await stored_location(info, self.location_id)


@strawberry.type(description="What a profile did with the window's orders.")
class SourcingKpis:
    orders_fully_served: int
    unallocated_units: int
    shipments: int
    split_rate: float = strawberry.field(description="Orders with more than one shipment / orders replayed.")
    average_distance_km: float
    estimated_cost: float = strawberry.field(description="The total over the window.")
    per_location: list[LocationLoad]


@strawberry.type(description="An order the draft would have sourced differently, with both plans and explanations.")
class OrderDifference:
    order_id: strawberry.ID
    draft: SourcingPlan
    baseline: SourcingPlan


@strawberry.type(description="A sourcing simulation: a background job replaying a window under a draft and a baseline.")
class SourcingSimulation:
    id: strawberry.ID
    status: JobStatus
    progress: float = strawberry.field(description="0..1")
    orders: int = strawberry.field(description="Orders replayed so far.")
    draft: SourcingKpis | None
    baseline: SourcingKpis | None
    differences: list[OrderDifference] = strawberry.field(description="At most 500, in the order they were placed.")
    error: str | None


@strawberry.type
class SimulateSourcingPayload:
    simulation: SourcingSimulation | None
    user_errors: list[UserError]


def _kpis(found: simulation.Kpis | None) -> SourcingKpis | None:
    if found is None:
        return None
    return SourcingKpis(
        orders_fully_served=found.orders_fully_served,
        unallocated_units=found.unallocated_units,
        shipments=found.shipments,
        split_rate=found.split_rate,
        average_distance_km=found.average_distance_km,
        estimated_cost=found.estimated_cost,
        per_location=[
            LocationLoad(
                fulfillments=x.fulfillments,
                units=x.units,
                days_over_capacity=x.days_over_capacity,
                location_id=x.location_id,
            )
            for x in found.per_location
        ],
    )


def simulation_node(found: service.Simulation) -> SourcingSimulation:
    return SourcingSimulation(
        id=strawberry.ID(found.id),
        status=JobStatus(found.status.value),
        progress=found.progress,
        orders=found.orders,
        draft=_kpis(found.draft),
        baseline=_kpis(found.baseline),
        differences=[
            OrderDifference(
                order_id=strawberry.ID(d.order_id),
                draft=plan_node(d.draft, d.draft_weights),
                baseline=plan_node(d.baseline, d.baseline_weights),
            )
            for d in found.differences
        ],
        error=found.error,
    )


@strawberry.type(description="A safety stock for a category at a location, from the count errors seen there.")
class SafetyStockSuggestion:
    category: str
    checks: int
    short_checks: int
    mean_shortfall: float
    units_per_day: float
    safety_stock: int
    explanation: str


@strawberry.type(description="How often counts matched what the OMS believed at a location (inventory ledger).")
class LocationStockAccuracy:
    checks: int = strawberry.field(description="Snapshots and short picks: each a count met a belief.")
    matched: int
    score: float = strawberry.field(description="matched / checks (1 with no checks).")
    short_units: int = strawberry.field(description="Counted below belief: phantom stock, summed.")
    over_units: int
    short_picks: int
    corrections: int = strawberry.field(description="Snapshots that changed what the OMS believed.")
    suggestions: list[SafetyStockSuggestion]
    location_id: strawberry.Private[str]

    @strawberry.field
    async def location(self, info: Info) -> Location:
        return await stored_location(info, self.location_id)


def _accuracy_node(found: accuracy.LocationAccuracy) -> LocationStockAccuracy:
    return LocationStockAccuracy(
        checks=found.checks,
        matched=found.matched,
        score=found.score,
        short_units=found.short_units,
        over_units=found.over_units,
        short_picks=found.short_picks,
        corrections=found.corrections,
        suggestions=[SafetyStockSuggestion(**dataclasses.asdict(x)) for x in found.suggestions],
        location_id=found.location_id,
    )


@strawberry.type
class LabQuery:
    @strawberry.field(
        description="Stock accuracy per location over a window (default the last 30 days, at most 92), "
        "with safety-stock suggestions per category, each explained (staff)."
    )
    async def stock_accuracy(
        self,
        info: Info,
        *,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
        location_ids: list[strawberry.ID] | None = None,
    ) -> list[LocationStockAccuracy]:
        info.context.require_staff()
        end = to or utc_now()
        start = from_ or end - timedelta(days=30)
        ids = [str(x) for x in location_ids] if location_ids is not None else None
        try:
            found = await history.stock_accuracy(info.context.resources.db, start, end, ids)
        except InvalidInput as error:
            raise bad_request(str(error)) from None
        return [_accuracy_node(x) for x in found]

    @strawberry.field(description="A sourcing simulation by id (staff).")
    async def sourcing_simulation(self, info: Info, id: strawberry.ID) -> SourcingSimulation | None:  # noqa: A002
        info.context.require_staff()
        found = await service.get_simulation(info.context.resources, str(id))
        return simulation_node(found) if found else None


@strawberry.type
class LabMutation:
    @strawberry.mutation(
        description="Replay the orders placed in a window under a draft profile and a baseline, in the background; "
        "poll sourcingSimulation(id) for progress and KPIs. Writes nothing but the simulation."
    )
    async def simulate_sourcing(self, info: Info, input: SimulateSourcingInput) -> SimulateSourcingPayload:  # noqa: A002
        info.context.require_staff()
        try:
            found = await service.simulate_sourcing(
                info.context.resources,
                draft=input.profile.to_domain(),
                baseline_id=str(input.baseline_profile_id or "default"),
                start=input.from_,
                end=input.to,
                channel=input.channel,
                market=input.market,
                by=info.context.principal.subject,
            )
        except DomainError as error:
            return SimulateSourcingPayload(simulation=None, user_errors=[user_error(error)])
        return SimulateSourcingPayload(simulation=simulation_node(found), user_errors=[])

    @strawberry.mutation(description="Stop a queued or running simulation; a finished one is left as it is.")
    async def cancel_sourcing_simulation(self, info: Info, id: strawberry.ID) -> SimulateSourcingPayload:  # noqa: A002
        info.context.require_staff()
        try:
            found = await service.cancel_simulation(info.context.resources, sim_id=str(id))
        except DomainError as error:
            return SimulateSourcingPayload(simulation=None, user_errors=[user_error(error)])
        return SimulateSourcingPayload(simulation=simulation_node(found), user_errors=[])
