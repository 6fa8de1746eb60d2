"""GraphQL surface for same-location recommendations (contract section 4)."""

from __future__ import annotations

import strawberry

from app.services import recommendations as service
from app.services.recommendations import RecommendationAsk
from domain import recommendations as domain
from domain.errors import DomainError
from resolvers import access
from resolvers.context import Info
from resolvers.errors import UserError, user_errors
from resolvers.network import DestinationInput
from resolvers.postal import destination_geo
from resolvers.product import Recommendation, RecommendationContext, load_recommendations


@strawberry.input
class RecommendationsInput:
    skus: list[str]
    channel: str
    market: str
    context: RecommendationContext  # type: ignore[valid-type]
    pickup_location_id: strawberry.ID | None = None
    destination: DestinationInput | None = None
    order_id: strawberry.ID | None = None
    limit: int | None = 4
    customer_segment: str | None = None


@strawberry.input
class ProductRelationInput:
    sku: str
    related_sku: str
    kind: str
    weight: float | None = None


@strawberry.type
class UpsertProductRelationsPayload:
    count: int
    user_errors: list[UserError]


@strawberry.type
class RecommendationsQuery:
    @strawberry.field(description="Items in stock where the primary items are served, for PDP, confirmation or email.")
    async def recommendations(self, info: Info, input: RecommendationsInput) -> list[Recommendation]:  # noqa: A002
        if input.order_id is not None:  # an order's recommendations tell where it is fulfilled: read like order(id)
            await access.require_visible_order(info.context, str(input.order_id))
        ask = RecommendationAsk(
            skus=tuple(input.skus),
            channel=input.channel,
            market=input.market,
            context=input.context,
            pickup_location_id=str(input.pickup_location_id) if input.pickup_location_id else None,
            destination=await destination_geo(info, input.destination),
            order_id=str(input.order_id) if input.order_id else None,
            limit=4 if input.limit is None else input.limit,
            segment=input.customer_segment,
        )
        return await load_recommendations(info, ask)


@strawberry.type
class RecommendationsMutation:
    @strawberry.mutation(description="Relations from the PIM or a recommendation engine; each bad one fails alone.")
    async def upsert_product_relations(
        self,
        info: Info,
        input: list[ProductRelationInput],  # noqa: A002
    ) -> UpsertProductRelationsPayload:
        info.context.require_staff()
        relations = [
            domain.Relation(x.sku, x.related_sku, x.kind, 1.0 if x.weight is None else x.weight) for x in input
        ]
        try:
            count, errors = await service.upsert_relations(info.context.resources, relations=relations)
        except DomainError as error:
            return UpsertProductRelationsPayload(count=0, user_errors=user_errors([error]))
        return UpsertProductRelationsPayload(count=count, user_errors=user_errors(errors))
