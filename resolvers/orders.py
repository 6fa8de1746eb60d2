"""GraphQL surface for orders (contract section 3): place, preview, cancel, read, subscribe.

The root fields live here; the types are in order_types, fulfillments, order_inputs and returns.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry

from app.services import conversion
from app.services import order_edits as edit_service
from app.services import orders as order_service
from app.services import returns as return_service
from app.services.order_events import ORDERS_TOPIC
from domain import orders as domain
from domain.access import redact
from domain.errors import DomainError
from resolvers import access
from resolvers.context import Info
from resolvers.errors import UserError, bad_request, user_error
from resolvers.order_inputs import EditOrderInput, PlaceOrderInput
from resolvers.order_types import (
    Customer,
    Order,
    OrderConnection,
    OrderEvent,
    OrderStatus,
    fresh_order,
    order_connection,
    order_node,
)
from resolvers.plans import SourcingPlan, plan_node
from resolvers.returns import Return, ReturnInput, ReturnLine, ReturnPayload

# Customer and Order are re-exported: resolvers.schema names the entities from here.
__all__ = ["Customer", "Order", "OrderMutation", "OrderQuery", "OrderSubscription"]


@strawberry.type
class PlaceOrderPayload:
    order: Order | None
    user_errors: list[UserError]


@strawberry.type
class OrderPayload:
    order: Order | None
    user_errors: list[UserError]


@strawberry.type
class OrderQuery:
    @strawberry.field(description="One order by id.")
    async def order(self, info: Info, id: strawberry.ID) -> Order | None:  # noqa: A002
        found = await access.visible_order(info.context, await info.context.loaders.order.load(str(id)))
        return order_node(found) if found else None

    @strawberry.field(description="Orders, newest first, with cursor pagination (`first` is capped at 100).")
    async def orders(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        status: OrderStatus | None = None,  # type: ignore[valid-type]
        customer_id: strawberry.ID | None = None,
    ) -> OrderConnection:
        info.context.require_staff()
        return await order_connection(info, first, after, status, str(customer_id) if customer_id else None)

    @strawberry.field(description="What-if: the plan placeOrder would make now. Reserves nothing.")
    async def sourcing_preview(self, info: Info, input: PlaceOrderInput) -> SourcingPlan:  # noqa: A002
        info.context.require_staff()
        try:
            plan, profile = await order_service.preview(info.context.resources, request=input.to_domain())
        except DomainError as error:
            raise bad_request(f"{'.'.join(error.field)}: {error.message}" if error.field else error.message) from None
        return plan_node(plan, profile.weights.as_dict())


@strawberry.type
class OrderMutation:
    @strawberry.mutation(description="Place an order: sources it, reserves stock, never oversells; idempotent by key.")
    async def place_order(self, info: Info, input: PlaceOrderInput) -> PlaceOrderPayload:  # noqa: A002
        request = input.to_domain()
        resources = info.context.resources
        try:
            if request.checkout_hold_id is not None:
                placed = await conversion.place_from_hold(resources, request=request, caller=info.context.principal)
            else:
                placed = await order_service.place_order(resources, request=request)
        except DomainError as error:
            return PlaceOrderPayload(order=None, user_errors=[user_error(error.at("input"))])
        order = order_node(placed.order) if placed.order else await fresh_order(info, placed.order_id)
        return PlaceOrderPayload(order=order, user_errors=[])

    @strawberry.mutation(description="Cancel an order and free every unshipped reservation.")
    async def cancel_order(self, info: Info, id: strawberry.ID, reason: str) -> OrderPayload:  # noqa: A002
        info.context.require_staff()
        try:
            await order_service.cancel_order(info.context.resources, order_id=str(id), reason=reason)
        except DomainError as error:
            return OrderPayload(order=await fresh_order(info, str(id)), user_errors=[user_error(error)])
        return OrderPayload(order=await fresh_order(info, str(id)), user_errors=[])

    @strawberry.mutation(
        description="Edit a placed order (add or remove lines, change quantities or the delivery) with a reason: "
        "only what has not been picked; changed lines are re-sourced; all or nothing; idempotent by key."
    )
    async def edit_order(self, info: Info, input: EditOrderInput) -> OrderPayload:  # noqa: A002
        request = input.to_domain()
        who = info.context.principal.subject
        try:
            await edit_service.edit_order(info.context.resources, request=request, who=who)
        except DomainError as error:
            order = await fresh_order(info, request.order_id)
            return OrderPayload(order=order, user_errors=[user_error(error.at("input"))])
        return OrderPayload(order=await fresh_order(info, request.order_id), user_errors=[])

    @strawberry.mutation(
        description="Record a return of delivered units (checked against what was shipped or collected)."
    )
    async def request_return(self, info: Info, input: ReturnInput) -> ReturnPayload:  # noqa: A002
        info.context.require_staff()
        request = input.to_domain()
        try:
            return_id = await return_service.request_return(info.context.resources, request=request)
        except DomainError as error:
            return ReturnPayload(return_=None, user_errors=[user_error(error.at("input"))])
        created = Return(
            id=strawberry.ID(return_id),
            order_id=input.order_id,
            status=domain.ReturnStatus.REQUESTED,
            reason=request.reason,
            lines=[ReturnLine(sku=x.sku, quantity=x.quantity) for x in request.lines],
            location_id=input.location_id,
        )
        return ReturnPayload(return_=created, user_errors=[])


@strawberry.type
class OrderSubscription:
    @strawberry.subscription(description="Order events as they happen; orderId null: every order the caller may see.")
    async def order_status_changed(
        self, info: Info, order_id: strawberry.ID | None = None
    ) -> AsyncGenerator[OrderEvent, None]:
        context = info.context
        restricted = context.principal.locations is not None or context.principal.channels is not None
        async with context.resources.broker.hub.listen(ORDERS_TOPIC) as queue:
            while True:
                message = await queue.get()
                if order_id is not None and message["orderId"] != str(order_id):
                    continue
                hidden: frozenset[str] = frozenset()
                if restricted:
                    view = await access.hidden_locations(context, message["orderId"], fresh=True)
                    if view is None:
                        continue
                    hidden = view
                yield OrderEvent(
                    order_id=strawberry.ID(message["orderId"]),
                    type=message["type"],
                    status=domain.OrderStatus(message["status"]),
                    at=datetime.fromisoformat(message["at"]),
                    message=redact(message.get("message"), hidden),
                )
