"""GraphQL inputs of an order to place (or preview): customer, lines, delivery."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain import order_edits
from domain import orders as domain
from domain.locations import Geo
from resolvers.network import DestinationInput, FulfillmentMethod


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
    pickup_slot_starts_at: datetime | None = strawberry.field(
        default=None, description="PICKUP: book this slot at the pickup store (a start from Location.pickupSlots)."
    )

    def to_domain(self) -> domain.Delivery:
        destination = self.destination
        geo = destination.geo if destination else None
        return domain.Delivery(
            self.method,
            str(self.pickup_location_id) if self.pickup_location_id else None,
            Geo(geo.lat, geo.lon) if geo else None,
            destination.postal_code if destination else None,
            destination.country if destination else None,
            self.pickup_slot_starts_at,
        )


@strawberry.input
class PlaceOrderInput:
    idempotency_key: str
    channel: str
    market: str
    customer: CustomerInput
    lines: list[OrderLineInput]
    delivery: DeliveryInput
    risk_score: float | None = None
    checkout_hold_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Place the order held by this checkout hold: its allocations and slot, no re-sourcing.",
    )
    allow_backorder: bool | None = strawberry.field(
        default=False,
        description="Units beyond ATP are promised against inbound stock (the order waits, BACKORDERED, "
        "and is allocated when stock arrives) instead of refused.",
    )

    def to_domain(self) -> domain.OrderRequest:
        return domain.OrderRequest(
            idempotency_key=self.idempotency_key,
            channel=self.channel,
            market=self.market,
            customer=domain.Customer(str(self.customer.id), self.customer.segment, self.customer.email),
            lines=tuple(domain.OrderLine(x.sku, x.quantity, x.unit_price, tuple(x.services or ())) for x in self.lines),
            delivery=self.delivery.to_domain(),
            risk_score=self.risk_score,
            checkout_hold_id=str(self.checkout_hold_id) if self.checkout_hold_id else None,
            allow_backorder=bool(self.allow_backorder),
        )


@strawberry.input
class LineQuantityInput:
    line_id: strawberry.ID
    quantity: int


@strawberry.input(description="Change a placed order: only what has not been picked; all or nothing.")
class EditOrderInput:
    order_id: strawberry.ID
    idempotency_key: str
    reason: str
    add_lines: list[OrderLineInput] | None = None
    remove_line_ids: list[strawberry.ID] | None = None
    change_quantities: list[LineQuantityInput] | None = None
    delivery: DeliveryInput | None = strawberry.field(
        default=None, description="A new address or method; a new method or pickup store re-sources unpicked lines."
    )

    def to_domain(self) -> order_edits.EditRequest:
        return order_edits.EditRequest(
            order_id=str(self.order_id),
            idempotency_key=self.idempotency_key,
            reason=self.reason,
            add_lines=tuple(
                domain.OrderLine(x.sku, x.quantity, x.unit_price, tuple(x.services or ())) for x in self.add_lines or ()
            ),
            remove_line_ids=tuple(str(x) for x in self.remove_line_ids or ()),
            change_quantities=tuple(
                order_edits.QuantityChange(str(x.line_id), x.quantity) for x in self.change_quantities or ()
            ),
            delivery=self.delivery.to_domain() if self.delivery else None,
        )
