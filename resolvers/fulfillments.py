"""GraphQL types for fulfillments: the part of an order one location fulfils, and its pick progress."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain import orders as domain
from domain import picking as picking_rules
from resolvers.context import Info
from resolvers.network import FulfillmentMethod, Location, stored_location

FulfillmentStatus = strawberry.enum(domain.FulfillmentStatus)


@strawberry.type
class FulfillmentLine:
    sku: str
    quantity: int


@strawberry.type(description="A step of the location's pick process: done or skipped, by whom, when, why.")
class FulfillmentStep:
    step: str
    status: str = strawberry.field(description="DONE, SKIPPED or PENDING.")
    by: str | None
    at: datetime | None
    reason: str | None


@strawberry.type(description="The part of an order one location fulfils.")
class Fulfillment:
    id: strawberry.ID
    order_id: strawberry.ID
    method: FulfillmentMethod  # type: ignore[valid-type]
    status: FulfillmentStatus  # type: ignore[valid-type]
    lines: list[FulfillmentLine]
    location_id: strawberry.Private[str]
    transfer_from_id: strawberry.Private[str | None] = None
    transfer_to_id: strawberry.Private[str | None] = None

    @strawberry.field
    async def location(self, info: Info) -> Location:
        return await stored_location(info, self.location_id)

    @strawberry.field(
        description="Ship-to-store: the location sending this pickup's stock (it waits AWAITING_TRANSFER until "
        "the store receives it); null otherwise."
    )
    async def transfer_from(self, info: Info) -> Location | None:
        return await stored_location(info, self.transfer_from_id) if self.transfer_from_id else None

    @strawberry.field(description="A transfer leg: the pickup store it ships to (IN_TRANSIT, then RECEIVED).")
    async def transfer_to(self, info: Info) -> Location | None:
        return await stored_location(info, self.transfer_to_id) if self.transfer_to_id else None

    @strawberry.field(description="The next step of its pick process; null before it is on a pick list and when done.")
    async def next_step(self, info: Info) -> str | None:
        found = await info.context.loaders.fulfillment_progress.load(str(self.id))
        return found.steps.next_step if found else None

    @strawberry.field(description="Its pick process's steps with what was done or skipped (empty before picking).")
    async def steps(self, info: Info) -> list[FulfillmentStep]:
        found = await info.context.loaders.fulfillment_progress.load(str(self.id))
        if found is None:
            return []
        records = {r.step: r for r in found.steps.log}
        return [
            FulfillmentStep(step=s, status=r.action, by=r.by, at=r.at, reason=r.reason)
            if (r := records.get(s))
            else FulfillmentStep(step=s, status="PENDING", by=None, at=None, reason=None)
            for s in found.steps.steps
        ]

    @strawberry.field
    async def tracking_number(self, info: Info) -> str | None:
        found = await info.context.loaders.fulfillment_progress.load(str(self.id))
        return found.tracking_number if found else None

    @strawberry.field(description="When the carrier reported it delivered.")
    async def delivered_at(self, info: Info) -> datetime | None:
        found = await info.context.loaders.fulfillment_progress.load(str(self.id))
        return found.delivered_at if found else None

    @strawberry.field(description="The pick list it is on.")
    async def pick_list_id(self, info: Info) -> strawberry.ID | None:
        found = await info.context.loaders.fulfillment_progress.load(str(self.id))
        return strawberry.ID(found.pick_list_id) if found and found.pick_list_id else None

    @strawberry.field(
        description="Wrong collection codes it still accepts before the collection locks (0: locked, "
        "reissueCollectionCode unlocks it); null unless it is READY_FOR_COLLECTION."
    )
    async def collection_attempts_left(self, info: Info) -> int | None:
        found = await info.context.loaders.fulfillment_progress.load(str(self.id))
        return picking_rules.attempts_left(self.status, found.collection_failures if found else 0)


def fulfillment_node(f: domain.Fulfillment) -> Fulfillment:
    return Fulfillment(
        id=strawberry.ID(f.id),
        order_id=strawberry.ID(f.order_id),
        method=f.method,
        status=f.status,
        lines=[FulfillmentLine(sku=x.sku, quantity=x.quantity) for x in f.lines],
        location_id=f.location_id,
        transfer_from_id=f.transfer_from,
        transfer_to_id=f.transfer_to,
    )
