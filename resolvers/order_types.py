"""GraphQL types for orders: Order, its lines and events, the paged list, and the Customer entity."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import strawberry

from app.services import lookups
from app.services.recommendations import RecommendationAsk
from app.services.sourcing import plan_from_json, weights_from_json
from domain import orders as domain
from domain.access import redact
from domain.order_edits import line_id
from resolvers import access, pagination
from resolvers.context import Info
from resolvers.fulfillments import Fulfillment, fulfillment_node
from resolvers.pagination import PageInfo
from resolvers.plans import SourcingPlan, plan_node, seen_by
from resolvers.product import Recommendation, RecommendationContext, load_recommendations

OrderStatus = strawberry.enum(
    domain.OrderStatus,
    description="Derived from the order's fulfillments, or ON_HOLD / CANCELLED; BACKORDERED: waiting for stock.",
)


@strawberry.type
class OrderLine:
    id: strawberry.ID = strawberry.field(description="Stable for the order's life: `<orderId>:<line number>`.")
    sku: str
    quantity: int
    unit_price: float
    services: list[str]
    promised_by: datetime | None = strawberry.field(
        default=None,
        description="A pre-order line: the release date it is promised for; a backorder line: the inbound ETA "
        "that covers it.",
    )
    backordered: int = strawberry.field(
        default=0, description="Units promised against inbound stock, not allocated yet (0 once allocated)."
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
    pickup_slot_starts_at: datetime | None = strawberry.field(
        default=None, description="PICKUP: the start of the pickup slot booked for the order."
    )

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
            OrderLine(
                id=strawberry.ID(line_id(order.id, x.no or n)),  # a just-placed order's lines are numbered 1..n
                sku=x.sku,
                quantity=x.quantity,
                unit_price=x.unit_price,
                services=list(x.services),
                promised_by=x.promised_by,
                backordered=x.backordered,
            )
            for n, x in enumerate(order.lines, start=1)
        ],
        _plan=order.plan,
        pickup_slot_starts_at=order.delivery.pickup_slot_starts_at,
    )


async def fresh_order(info: Info, order_id: str) -> Order | None:
    """The order as a mutation just committed it: read with fresh loaders, not the request's cached ones."""
    found = await info.context.fresh_loaders().order.load(order_id)
    return order_node(found) if found else None


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
