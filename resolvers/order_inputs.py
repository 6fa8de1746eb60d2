"""GraphQL inputs of an order to place (or preview): customer, lines, delivery."""

from __future__ import annotations

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
