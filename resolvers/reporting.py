"""GraphQL surface of operations reporting (contract section 10, issue #24): `operationsReport`."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.services import reporting as service
from domain import reporting as domain
from domain.errors import InvalidInput
from resolvers.context import Info
from resolvers.errors import bad_request

ReportGranularity = strawberry.enum(domain.Granularity, name="ReportGranularity")


@strawberry.input(description="A report's range, bucket size and filters.")
class OperationsReportInput:
    start: datetime = strawberry.field(name="from", description="Orders placed from (its bucket's start on).")
    end: datetime = strawberry.field(name="to", description="Orders placed before this.")
    granularity: ReportGranularity  # type: ignore[valid-type]
    location_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only these stores; null: every store the caller may see."
    )
    channel: str | None = strawberry.field(default=None, description="Only this sales channel; null: all.")


@strawberry.type(description="The store orders placed in one bucket (or in all of them: the totals).")
class OperationsBucket:
    start: datetime
    orders: int = strawberry.field(description="Store orders: one order's part at one store.")
    units: int
    fill_rate: float = strawberry.field(description="Share handed over in full with no unit short.")
    split_rate: float = strawberry.field(description="Share whose order has more than one live shipment.")
    short_pick_rate: float = strawberry.field(description="Share with a pick line picked short.")
    cancelled_rate: float = strawberry.field(description="Share whose order is cancelled.")
    sla_met_rate: float = strawberry.field(description="Share handed over within the store's turnaround.")
    median_pick_minutes: float | None = strawberry.field(description="Pick list made to PICK confirmed.")
    median_release_to_ready_minutes: float | None = strawberry.field(description="Release to hand-over.")


@strawberry.type
class OperationsReport:
    buckets: list[OperationsBucket]
    totals: OperationsBucket


def node(bucket: domain.Bucket) -> OperationsBucket:
    return OperationsBucket(
        start=bucket.start,
        orders=bucket.orders,
        units=bucket.units,
        fill_rate=bucket.fill_rate,
        split_rate=bucket.split_rate,
        short_pick_rate=bucket.short_pick_rate,
        cancelled_rate=bucket.cancelled_rate,
        sla_met_rate=bucket.sla_met_rate,
        median_pick_minutes=bucket.median_pick_minutes,
        median_release_to_ready_minutes=bucket.median_release_to_ready_minutes,
    )


@strawberry.type
class ReportingQuery:
    @strawberry.field(
        description="Orders, units, fill, split, short-pick, cancelled and SLA rates and median minutes per "
        "hour, day or week (UTC) of the orders placed between from and to, per store set and channel; a store "
        "role sees its own stores only. A bad range is a BAD_REQUEST error."
    )
    async def operations_report(self, info: Info, input: OperationsReportInput) -> OperationsReport:  # noqa: A002
        try:
            domain.check_locations(input.location_ids)
            found = await service.operations_report(
                info.context.resources.db,
                start=input.start,
                end=input.end,
                granularity=input.granularity,
                location_ids=domain.visible_locations(info.context.principal.locations, input.location_ids),
                channel=input.channel,
            )
        except InvalidInput as error:
            raise bad_request(error.message) from None
        return OperationsReport(buckets=[node(b) for b in found.buckets], totals=node(found.totals))
