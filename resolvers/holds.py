"""GraphQL surface for checkout holds (contract section 7): create, extend, release, read."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.services import holds as service
from app.services import slots as slot_service
from app.services.sourcing import plan_from_json, weights_from_json
from app.services.uow import utc_now
from domain import holds as domain
from domain import sourcing
from domain.errors import DomainError
from resolvers.context import Info
from resolvers.errors import UserError, user_error
from resolvers.options import CartLineInput
from resolvers.order_inputs import DeliveryInput
from resolvers.plans import CartLine, SourcingPlan, plan_node
from resolvers.slots import PickupSlot, pickup_slot_node

CheckoutHoldStatus = strawberry.enum(domain.HoldStatus, name="CheckoutHoldStatus")


@strawberry.type(description="Units (and a pickup slot) kept for a shopper during checkout, until expiresAt.")
class CheckoutHold:
    id: strawberry.ID
    status: CheckoutHoldStatus  # type: ignore[valid-type]
    expires_at: datetime
    created_at: datetime
    channel: str
    market: str
    lines: list[CartLine]
    plan: SourcingPlan
    order_id: strawberry.ID | None = strawberry.field(description="CONVERTED: the order placed with it.")
    pickup_slot_starts_at: datetime | None = strawberry.field(description="The pickup slot it booked.")
    pickup_location_id: strawberry.Private[str | None]

    @strawberry.field(description="The pickup slot it booked, with the slot's current bookings.")
    async def pickup_slot(self, info: Info) -> PickupSlot | None:
        if self.pickup_slot_starts_at is None or self.pickup_location_id is None:
            return None
        db = info.context.resources.db
        found = await slot_service.booked_slot(db, self.pickup_location_id, self.pickup_slot_starts_at)
        return pickup_slot_node(found.slot, found.capacity, found.booked) if found else None


def hold_node(hold: domain.Hold, now: datetime) -> CheckoutHold:
    return CheckoutHold(
        id=strawberry.ID(hold.id),
        status=hold.status_at(now),
        expires_at=hold.expires_at,
        created_at=hold.created_at,
        channel=hold.channel,
        market=hold.market,
        lines=[CartLine(sku=x.sku, quantity=x.quantity) for x in hold.lines],
        plan=plan_node(plan_from_json(hold.plan), weights_from_json(hold.plan)),
        order_id=strawberry.ID(hold.order_id) if hold.order_id else None,
        pickup_slot_starts_at=hold.slot[1] if hold.slot else None,
        pickup_location_id=hold.slot[0] if hold.slot else None,
    )


@strawberry.input(description="A cart to hold through checkout: sourced like placeOrder, reserved for ttlSeconds.")
class CheckoutHoldInput:
    idempotency_key: str
    channel: str
    market: str
    lines: list[CartLineInput]
    delivery: DeliveryInput
    ttl_seconds: int | None = domain.DEFAULT_TTL_SECONDS  # the contract: `Int = 900`; null means the default

    def to_domain(self) -> domain.HoldRequest:
        return domain.HoldRequest(
            idempotency_key=self.idempotency_key,
            channel=self.channel,
            market=self.market,
            lines=tuple(sourcing.Line(x.sku, x.quantity) for x in self.lines),
            delivery=self.delivery.to_domain(),
            ttl_seconds=domain.DEFAULT_TTL_SECONDS if self.ttl_seconds is None else self.ttl_seconds,
        )


@strawberry.type
class CheckoutHoldPayload:
    hold: CheckoutHold | None
    user_errors: list[UserError]


def _failed(error: DomainError, *prefix: str) -> CheckoutHoldPayload:
    return CheckoutHoldPayload(hold=None, user_errors=[user_error(error.at(*prefix))])


@strawberry.type
class HoldQuery:
    @strawberry.field(description="A checkout hold, for the caller that created it (or staff); null for others.")
    async def checkout_hold(self, info: Info, id: strawberry.ID) -> CheckoutHold | None:  # noqa: A002
        found = await service.get_hold(info.context.resources, hold_id=str(id), caller=info.context.principal)
        return hold_node(found, utc_now()) if found else None


@strawberry.type
class HoldMutation:
    @strawberry.mutation(description="Hold a cart through checkout: sourced like placeOrder, reserved for ttlSeconds.")
    async def create_checkout_hold(self, info: Info, input: CheckoutHoldInput) -> CheckoutHoldPayload:  # noqa: A002
        try:
            held = await service.create_hold(
                info.context.resources, request=input.to_domain(), caller=info.context.principal
            )
        except DomainError as error:
            return _failed(error, "input")
        return CheckoutHoldPayload(hold=hold_node(held.hold, utc_now()), user_errors=[])

    @strawberry.mutation(description="More time for a live hold: ttlSeconds (60..3600) from now.")
    async def extend_checkout_hold(self, info: Info, id: strawberry.ID, ttl_seconds: int) -> CheckoutHoldPayload:  # noqa: A002
        try:
            hold = await service.extend_hold(
                info.context.resources, hold_id=str(id), ttl_seconds=ttl_seconds, caller=info.context.principal
            )
        except DomainError as error:
            return _failed(error)
        return CheckoutHoldPayload(hold=hold_node(hold, utc_now()), user_errors=[])

    @strawberry.mutation(description="Give a hold up: its units, capacity and slot are free again at once.")
    async def release_checkout_hold(self, info: Info, id: strawberry.ID) -> CheckoutHoldPayload:  # noqa: A002
        try:
            hold = await service.release_hold(info.context.resources, hold_id=str(id), caller=info.context.principal)
        except DomainError as error:
            return _failed(error)
        return CheckoutHoldPayload(hold=hold_node(hold, utc_now()), user_errors=[])
