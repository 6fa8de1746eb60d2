"""GraphQL surface for orders (contract section 3): place, preview, cancel, read, subscribe."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any

import strawberry

from app.services import lookups
from app.services import orders as order_service
from app.services.recommendations import RecommendationAsk
from app.services.sourcing import plan_from_json, weights_from_json
from domain import orders as domain
from domain import picking as picking_rules
from domain.access import redact
from domain.errors import DomainError
from domain.locations import Geo
from resolvers import access, pagination
from resolvers.context import Info
from resolvers.errors import UserError, bad_request, user_error
from resolvers.network import (
    DestinationInput,
    FulfillmentMethod,
    Location,
    stored_location,
)
from resolvers.pagination import PageInfo
from resolvers.plans import SourcingPlan, plan_node, seen_by
from resolvers.product import Recommendation, RecommendationContext, load_recommendations

OrderStatus = strawberry.enum(
    domain.OrderStatus, description="Derived from the order's fulfillments, or ON_HOLD / CANCELLED."
)
FulfillmentStatus = strawberry.enum(domain.FulfillmentStatus)


@strawberry.input
class CustomerInput:
    id: strawberry.ID
    segment: str | None = None
    email: str | None = None


@strawberry.input
class OrderLineInput:
    sku: str
    quantity: int
    unit_price: float
    services: list[str] | None = None


@strawberry.input
class DeliveryInput:
    method: FulfillmentMethod  # type: ignore[valid-type]
    pickup_location_id: strawberry.ID | None = None
    destination: DestinationInput | None = None


@strawberry.input
class PlaceOrderInput:
    idempotency_key: str
    channel: str
    market: str
    customer: CustomerInput
    lines: list[OrderLineInput]
    delivery: DeliveryInput
    risk_score: float | None = None

    def to_domain(self) -> domain.OrderRequest:
        destination = self.delivery.destination
        geo = destination.geo if destination else None
        return domain.OrderRequest(
            idempotency_key=self.idempotency_key,
            channel=self.channel,
            market=self.market,
            customer=domain.Customer(str(self.customer.id), self.customer.segment, self.customer.email),
            lines=tuple(domain.OrderLine(x.sku, x.quantity, x.unit_price, tuple(x.services or ())) for x in self.lines),
            delivery=domain.Delivery(
                self.delivery.method,
                str(self.delivery.pickup_location_id) if self.delivery.pickup_location_id else None,
                Geo(geo.lat, geo.lon) if geo else None,
                destination.postal_code if destination else None,
                destination.country if destination else None,
            ),
            risk_score=self.risk_score,
        )


@strawberry.type
class OrderLine:
    sku: str
    quantity: int
    unit_price: float
    services: list[str]


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

    @strawberry.field
    async def location(self, info: Info) -> Location:
        return await stored_location(info, self.location_id)

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
    )


@strawberry.type
class OrderEvent:
    order_id: strawberry.ID
    type: str
    status: OrderStatus  # type: ignore[valid-type]
    at: datetime
    message: str | None


def event_node(event: domain.OrderEvent) -> OrderEvent:
    return OrderEvent(
        order_id=strawberry.ID(event.order_id), type=event.type, status=event.status, at=event.at, message=event.message
    )


@strawberry.federation.type(keys=["id"], description="A customer order.")
class Order:
    id: strawberry.ID
    status: OrderStatus  # type: ignore[valid-type]
    channel: str
    market: str
    customer_id: strawberry.ID
    total: float
    created_at: datetime
    lines: list[OrderLine]
    _plan: strawberry.Private[dict[str, Any]]

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID, **extra: Any) -> Order | None:  # noqa: A002
        await access.authorize(info.context, "Query.order", {"id": str(id)})  # an entity is read like order(id)
        found = await access.visible_order(info.context, await info.context.loaders.order.load(str(id)))
        return order_node(found) if found else None

    @strawberry.field(description="The order's fulfillments; store staff see those of their own locations.")
    async def fulfillments(self, info: Info) -> list[Fulfillment]:
        principal = info.context.principal
        found = await info.context.loaders.fulfillments.load(str(self.id))
        return [fulfillment_node(f) for f in found if principal.sees_location(f.location_id)]

    @strawberry.field(description="What happened to the order; store staff get no message naming another store.")
    async def events(self, info: Info) -> list[OrderEvent]:
        found = [event_node(e) for e in await info.context.loaders.order_events.load(str(self.id))]
        if info.context.principal.locations is None:
            return found
        hidden = await access.hidden_locations(info.context, str(self.id)) or frozenset()
        return [dataclasses.replace(e, message=redact(e.message, hidden)) for e in found]

    @strawberry.field(description="Items in stock where this order is being fulfilled: each can join a fulfillment.")
    async def recommendations(
        self,
        info: Info,
        limit: int | None = 4,
        context: RecommendationContext | None = RecommendationContext.ORDER_CONFIRMATION,  # type: ignore[valid-type, attr-defined]
    ) -> list[Recommendation]:
        which = context or RecommendationContext.ORDER_CONFIRMATION  # type: ignore[attr-defined]
        limit = 4 if limit is None else limit
        ask = RecommendationAsk((), self.channel, self.market, which, order_id=str(self.id), limit=limit)
        return await load_recommendations(info, ask)

    @strawberry.field(description="How the order was sourced, as decided when it was placed (store staff: their part).")
    def plan(self, info: Info) -> SourcingPlan:
        return seen_by(plan_node(plan_from_json(self._plan), weights_from_json(self._plan)), info.context.principal)


def order_node(order: domain.Order) -> Order:
    return Order(
        id=strawberry.ID(order.id),
        status=order.status,
        channel=order.channel,
        market=order.market,
        customer_id=strawberry.ID(order.customer.id),
        total=order.total,
        created_at=order.created_at,
        lines=[
            OrderLine(sku=x.sku, quantity=x.quantity, unit_price=x.unit_price, services=list(x.services))
            for x in order.lines
        ],
        _plan=order.plan,
    )


@strawberry.type
class OrderEdge:
    cursor: str
    node: Order


@strawberry.type
class OrderConnection:
    edges: list[OrderEdge]
    page_info: PageInfo


async def order_connection(
    info: Info, first: int | None, after: str | None, status: domain.OrderStatus | None, customer_id: str | None
) -> OrderConnection:
    size = pagination.page_size(first)
    principal = info.context.principal
    rows = await lookups.order_page(
        info.context.resources.db,
        first=size,
        after=pagination.decode(after),
        status=status,
        customer_id=customer_id,
        location_ids=principal.locations,
        channels=principal.channels,
    )
    found = await info.context.loaders.order.load_many([oid for oid, _ in rows[:size]])
    edges = [
        OrderEdge(cursor=pagination.encode(at, oid), node=order_node(o))
        for (oid, at), o in zip(rows, found, strict=False)
        if o
    ]
    return OrderConnection(
        edges=edges, page_info=pagination.page_info(len(rows), size, edges[-1].cursor if edges else None)
    )


@strawberry.federation.type(keys=["id"], description="A customer; this subgraph contributes their orders.")
class Customer:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, info: Info, id: strawberry.ID, **extra: Any) -> Customer:  # noqa: A002
        return cls(id=id)

    @strawberry.field
    async def orders(self, info: Info, first: int | None = 20, after: str | None = None) -> OrderConnection:
        await access.authorize(info.context, "Query.orders", {})  # a nested list is read like Query.orders
        return await order_connection(info, first, after, None, str(self.id))


@strawberry.type
class PlaceOrderPayload:
    order: Order | None
    user_errors: list[UserError]


@strawberry.type
class OrderPayload:
    order: Order | None
    user_errors: list[UserError]


async def _load_order(info: Info, order_id: str) -> Order | None:
    found = await info.context.fresh_loaders().order.load(order_id)
    return order_node(found) if found else None


ReturnStatus = strawberry.enum(domain.ReturnStatus)


@strawberry.input
class ReturnLineInput:
    sku: str
    quantity: int


@strawberry.input(description="Units of a delivered order coming back, why, and where they will be received.")
class ReturnInput:
    order_id: strawberry.ID
    lines: list[ReturnLineInput]
    reason: str
    location_id: strawberry.ID | None = None

    def to_domain(self) -> domain.ReturnRequest:
        return domain.ReturnRequest(
            str(self.order_id),
            tuple(domain.ReturnLine(x.sku, x.quantity) for x in self.lines),
            self.reason,
            str(self.location_id) if self.location_id else None,
        )


@strawberry.type
class ReturnLine:
    sku: str
    quantity: int


@strawberry.type
class Return:
    id: strawberry.ID
    order_id: strawberry.ID
    status: ReturnStatus  # type: ignore[valid-type]
    reason: str
    lines: list[ReturnLine]
    location_id: strawberry.ID | None


@strawberry.type
class ReturnPayload:
    return_: Return | None = strawberry.field(name="return")
    user_errors: list[UserError]


@strawberry.type
class OrderQuery:
    @strawberry.field(description="One order by id.")
    async def order(self, info: Info, id: strawberry.ID) -> Order | None:  # noqa: A002
        found = await access.visible_order(info.context, await info.context.loaders.order.load(str(id)))
        return order_node(found) if found else None

    @strawberry.field(description="Orders, newest first, with cursor pagination (first at most 100).")
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
        try:
            placed = await order_service.place_order(info.context.resources, request=input.to_domain())
        except DomainError as error:
            return PlaceOrderPayload(order=None, user_errors=[user_error(error.at("input"))])
        order = order_node(placed.order) if placed.order else await _load_order(info, placed.order_id)
        return PlaceOrderPayload(order=order, user_errors=[])

    @strawberry.mutation(description="Cancel an order and free every unshipped reservation.")
    async def cancel_order(self, info: Info, id: strawberry.ID, reason: str) -> OrderPayload:  # noqa: A002
        info.context.require_staff()
        try:
            await order_service.cancel_order(info.context.resources, order_id=str(id), reason=reason)
        except DomainError as error:
            return OrderPayload(order=await _load_order(info, str(id)), user_errors=[user_error(error)])
        return OrderPayload(order=await _load_order(info, str(id)), user_errors=[])

    @strawberry.mutation(
        description="Record a return of delivered units (checked against what was shipped or collected)."
    )
    async def request_return(self, info: Info, input: ReturnInput) -> ReturnPayload:  # noqa: A002
        info.context.require_staff()
        request = input.to_domain()
        try:
            return_id = await order_service.request_return(info.context.resources, request=request)
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
        async with context.resources.broker.hub.listen(order_service.ORDERS_TOPIC) as queue:
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
