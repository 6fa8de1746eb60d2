"""GraphQL surface for availability to promise (contract section 2) and Product."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry

from app.services.availability import AvailabilityKey
from app.services.recommendations import RecommendationAsk
from app.services.watch import watch_availability
from domain import atp, sourcing
from domain.atp import LocationAtp
from resolvers.context import Info
from resolvers.errors import bad_request
from resolvers.network import DestinationInput, Location, location_node
from resolvers.options import FulfillmentOption, options_for, question_for
from resolvers.recommendations import Recommendation, RecommendationContext, geo_of
from resolvers.recommendations import load as load_recommendations

MAX_SKUS = 500


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
        return await options_for(info, question_for(channel, market, [line], destination))

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
            destination=geo_of(destination),
            limit=4 if limit is None else limit,
        )
        return await load_recommendations(info, ask)


def _keys(
    skus: list[str], channel: str, market: str, location_ids: list[strawberry.ID] | None
) -> list[AvailabilityKey]:
    if len(skus) > MAX_SKUS:
        raise bad_request(f"At most {MAX_SKUS} skus per request")
    ids = tuple(sorted(str(i) for i in location_ids)) if location_ids is not None else None
    return [AvailabilityKey(sku, channel, market, ids) for sku in dict.fromkeys(skus)]


@strawberry.type
class AvailabilityQuery:
    @strawberry.field(
        description="Availability to promise for SKUs in a channel and market, optionally at some locations."
    )
    async def availability(
        self, info: Info, skus: list[str], channel: str, market: str, location_ids: list[strawberry.ID] | None = None
    ) -> list[Availability]:
        keys = _keys(skus, channel, market, location_ids)
        found = await info.context.loaders.availability.load_many(keys)
        by_sku = {f.sku: availability_node(f) for f in found}
        return [by_sku[sku] for sku in skus]

    @strawberry.field(
        description="A product by SKU with this subgraph's fields, for callers that do not go through a gateway. "
        "Not `product`: that root field belongs to the catalog subgraph in a supergraph."
    )
    def oms_product(self, sku: str) -> Product:
        return Product(sku=sku)


@strawberry.type
class AvailabilitySubscription:
    @strawberry.subscription(
        description="Pushes a SKU's availability each time a change moves it (never an unchanged value)."
    )
    async def availability_changed(
        self, info: Info, skus: list[str], channel: str, market: str
    ) -> AsyncGenerator[Availability, None]:
        keys = _keys(skus, channel, market, None)
        async for changed in watch_availability(info.context.resources, keys):
            yield availability_node(changed)
