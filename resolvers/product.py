"""The Product entity and the types that lead back to it: its availability and its recommendations.

Product, Availability and Recommendation point at each other, so they live together here; the
availability and recommendations modules add the root fields and use this one, never the reverse.
"""

from __future__ import annotations

from typing import Any

import strawberry

from app.services.availability import AvailabilityKey
from app.services.recommendations import RecommendationAsk
from domain import atp, sourcing
from domain import recommendations as domain
from domain.atp import LocationAtp
from domain.errors import DomainError
from resolvers.context import Info
from resolvers.errors import bad_request
from resolvers.network import DestinationInput, FulfillmentMethod, Location, location_node, stored_location
from resolvers.options import FulfillmentOption, options_for, question_for
from resolvers.postal import destination_geo

RecommendationContext = strawberry.enum(domain.RecommendationContext)


@strawberry.type(description="What one location can promise of a SKU, and why.")
class LocationAvailability:
    location: Location
    atp: int
    on_hand: int
    reserved: int
    held: int
    inbound: int
    applied_rules: list[strawberry.ID]


@strawberry.type(description="What can be promised of a SKU in a channel and market, summed over locations.")
class Availability:
    sku: str
    channel: str
    market: str
    atp: int
    on_hand: int
    reserved: int
    inbound: int
    _locations: strawberry.Private[tuple[LocationAtp, ...]]

    @strawberry.field(
        description="The catalog's product for this SKU: a gateway adds its name and price, in live stock events too."
    )
    def product(self) -> Product:
        return Product(sku=self.sku)

    @strawberry.field(description="Per-location breakdown, deepest ATP first.")
    def locations(self, only_available: bool | None = False) -> list[LocationAvailability]:
        return [
            LocationAvailability(
                location=location_node(x.location),
                atp=x.atp,
                on_hand=x.on_hand,
                reserved=x.reserved,
                held=x.held,
                inbound=x.inbound,
                applied_rules=[strawberry.ID(r) for r in x.applied_rules],
            )
            for x in self._locations
            if not only_available or x.atp > 0
        ]


def availability_node(found: atp.SkuAvailability) -> Availability:
    return Availability(
        sku=found.sku,
        channel=found.channel,
        market=found.market,
        atp=found.atp,
        on_hand=found.on_hand,
        reserved=found.reserved,
        inbound=found.inbound,
        _locations=found.locations,
    )


@strawberry.type(description="An item in stock where the primary item is served: adding it adds no parcel.")
class Recommendation:
    sku: str
    method: FulfillmentMethod  # type: ignore[valid-type]
    atp: int
    score: float
    reason: str
    kind: str | None
    fulfillment_id: strawberry.ID | None = strawberry.field(description="The order's fulfillment it can join.")
    location_id: strawberry.Private[str]

    @strawberry.field
    async def location(self, info: Info) -> Location:
        return await stored_location(info, self.location_id)

    @strawberry.field
    def product(self) -> Product:
        return Product(sku=self.sku)


def recommendation_node(r: domain.Recommendation) -> Recommendation:
    return Recommendation(
        sku=r.sku,
        method=r.method,
        atp=r.atp,
        score=r.score,
        reason=r.reason,
        kind=r.kind,
        fulfillment_id=strawberry.ID(r.fulfillment_id) if r.fulfillment_id else None,
        location_id=r.location_id,
    )


async def load_recommendations(info: Info, ask: RecommendationAsk) -> list[Recommendation]:
    try:
        found = await info.context.loaders.recommendations.load(ask)
    except DomainError as error:
        raise bad_request(error.message) from None
    return [recommendation_node(r) for r in found]


@strawberry.federation.type(
    keys=["sku"], description="A product of the catalog; this subgraph contributes what can be promised."
)
class Product:
    sku: str

    @classmethod
    async def resolve_reference(cls, info: Info, sku: str, **extra: Any) -> Product:
        return cls(sku=sku)

    @strawberry.field(description="Availability of this product in a channel and market.")
    async def availability(self, info: Info, channel: str, market: str) -> Availability:
        found = await info.context.loaders.availability.load(AvailabilityKey(self.sku, channel, market))
        return availability_node(found)

    @strawberry.field(description="How this product can reach the shopper: ship, pickup nearby, same day.")
    async def fulfillment_options(
        self,
        info: Info,
        channel: str,
        market: str,
        quantity: int | None = 1,
        destination: DestinationInput | None = None,
    ) -> list[FulfillmentOption]:
        line = sourcing.Line(self.sku, 1 if quantity is None else quantity)
        return await options_for(info, await question_for(info, channel, market, [line], destination))

    @strawberry.field(description="Items in stock where this product is served; batched across a whole page.")
    async def recommendations(
        self,
        info: Info,
        *,
        channel: str,
        market: str,
        context: RecommendationContext | None = RecommendationContext.PDP,  # type: ignore[valid-type, attr-defined]
        pickup_location_id: strawberry.ID | None = None,
        destination: DestinationInput | None = None,
        limit: int | None = 4,
    ) -> list[Recommendation]:
        ask = RecommendationAsk(
            skus=(self.sku,),
            channel=channel,
            market=market,
            context=context or RecommendationContext.PDP,  # type: ignore[attr-defined]
            pickup_location_id=str(pickup_location_id) if pickup_location_id else None,
            destination=await destination_geo(info, destination),
            limit=4 if limit is None else limit,
        )
        return await load_recommendations(info, ask)
