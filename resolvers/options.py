"""GraphQL surface for fulfillment options (contract section 3): ship, pickup, same day, with ETAs."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.services import options as service
from domain import sourcing
from domain.errors import DomainError
from resolvers.context import Info
from resolvers.errors import bad_request
from resolvers.network import (
    DestinationInput,
    FulfillmentMethod,
    Location,
    load_location,
)
from resolvers.plans import SourcingPlan, plan_node
from resolvers.postal import destination_geo
from resolvers.slots import PickupSlot, pickup_slot_node


@strawberry.input
class CartLineInput:
    sku: str
    quantity: int


@strawberry.input
class FulfillmentOptionsInput:
    channel: str
    market: str
    lines: list[CartLineInput]
    destination: DestinationInput | None = None
    pickup_location_ids: list[strawberry.ID] | None = None
    max_pickup_locations: int | None = 5
    customer_segment: str | None = None


@strawberry.type(description="One way to get the cart: when, from where, in how many parcels, and the plan behind it.")
class FulfillmentOption:
    method: FulfillmentMethod  # type: ignore[valid-type]
    available: bool
    split_count: int
    ready_by: datetime | None
    eta_hours: float | None
    plan: SourcingPlan
    pickup_slot: PickupSlot | None = strawberry.field(
        description="PICKUP at a store with a slot policy: its next free slot (readyBy is no earlier than its "
        "start); null without a policy or when no slot is free within 7 days."
    )
    location_id: strawberry.Private[str | None]
    transfer_from_id: strawberry.Private[str | None] = None

    @strawberry.field(description="The pickup store (or the same-day location); null for SHIP.")
    async def location(self, info: Info) -> Location | None:
        return await load_location(info, self.location_id)

    @strawberry.field(
        description="PICKUP served by a ship-to-store transfer (the store lacks the cart and the profile allows "
        "it): the location sending it; readyBy adds its turnaround, transit and the store's turnaround."
    )
    async def transfer_from(self, info: Info) -> Location | None:
        return await load_location(info, self.transfer_from_id) if self.transfer_from_id else None


def option_node(option: service.Option) -> FulfillmentOption:
    return FulfillmentOption(
        method=option.method,
        available=option.available,
        split_count=option.split_count,
        ready_by=option.ready_by,
        eta_hours=option.eta_hours,
        plan=plan_node(option.plan, option.weights),
        pickup_slot=pickup_slot_node(option.slot.slot, option.slot.capacity, option.slot.booked)
        if option.slot
        else None,
        location_id=option.location_id,
        transfer_from_id=option.transfer_from,
    )


async def options_for(info: Info, question: service.CartQuestion) -> list[FulfillmentOption]:
    try:
        found = await service.fulfillment_options(info.context.resources, question)
    except DomainError as error:
        raise bad_request(error.message) from None
    return [option_node(o) for o in found]


async def question_for(
    info: Info,
    channel: str,
    market: str,
    lines: list[sourcing.Line],
    destination: DestinationInput | None,
    **extra: object,
) -> service.CartQuestion:
    """The service's question; a destination given as a postal code is resolved here (BAD_REQUEST if unknown)."""
    geo = await destination_geo(info, destination)
    return service.CartQuestion(channel, market, tuple(lines), geo, **extra)  # type: ignore[arg-type]


@strawberry.type
class OptionsQuery:
    @strawberry.field(description="Ship, pick up at nearby stores, same day: availability, ETAs and plans for a cart.")
    async def fulfillment_options(self, info: Info, input: FulfillmentOptionsInput) -> list[FulfillmentOption]:  # noqa: A002
        ids = tuple(str(i) for i in input.pickup_location_ids) if input.pickup_location_ids is not None else None
        question = await question_for(
            info,
            input.channel,
            input.market,
            [sourcing.Line(x.sku, x.quantity) for x in input.lines],
            input.destination,
            pickup_location_ids=ids,
            max_pickup_locations=5 if input.max_pickup_locations is None else input.max_pickup_locations,
            segment=input.customer_segment,
        )
        return await options_for(info, question)
