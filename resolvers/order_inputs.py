"""GraphQL inputs of an order to place (or preview): customer, lines, delivery."""

from __future__ import annotations

from datetime import datetime

import strawberry

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
        )
