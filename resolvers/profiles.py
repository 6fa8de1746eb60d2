"""GraphQL surface for sourcing profiles (contract section 3)."""

from __future__ import annotations

import strawberry

from app.services import profiles as service
from domain import profiles as domain
from domain.errors import DomainError
from resolvers.context import Info
from resolvers.errors import UserError, user_error
from resolvers.network import LocationType


@strawberry.input
class SourcingWeightsInput:
    distance: float | None = None
    priority: float | None = None
    turnaround: float | None = None
    capacity: float | None = None
    stock_depth: float | None = None
    cost: float | None = None
    performance: float | None = None


@strawberry.input
class ShippingRateInput:
    base: float | None = None
    per_km: float | None = None
    per_extra_parcel: float | None = None


@strawberry.input(
    description="How orders are routed for a scope; `default` always exists. Omitted settings take defaults."
)
class SourcingProfileInput:
    id: strawberry.ID
    channel: str | None = None
    market: str | None = None
    customer_segment: str | None = None
    allowed_location_types: list[LocationType] | None = None  # type: ignore[valid-type]
    max_shipments: int | None = strawberry.field(default=3, description="1 = never split; null = no limit.")
    max_distance_km: float | None = None
    respect_capacity: bool | None = True
    allow_partial: bool | None = False
    allow_transfers: bool | None = strawberry.field(
        default=False,
        description="A PICKUP at a store lacking the cart may be served by a transfer from another location "
        "that passes this profile's filters as a SHIP to the store.",
    )
    weights: SourcingWeightsInput | None = None
    shipping_rate: ShippingRateInput | None = None

    def to_domain(self) -> domain.SourcingProfile:
        defaults = domain.Weights()
        w = self.weights or SourcingWeightsInput()
        weights = domain.Weights(
            **{k: getattr(w, k) if getattr(w, k) is not None else getattr(defaults, k) for k in domain.CRITERIA}
        )
        r = self.shipping_rate or ShippingRateInput()
        base_rate = domain.ShippingRate()
        rate = domain.ShippingRate(
            r.base if r.base is not None else base_rate.base,
            r.per_km if r.per_km is not None else base_rate.per_km,
            r.per_extra_parcel if r.per_extra_parcel is not None else base_rate.per_extra_parcel,
        )
        types = self.allowed_location_types
        return domain.SourcingProfile(
            id=str(self.id),
            channel=self.channel,
            market=self.market,
            customer_segment=self.customer_segment,
            allowed_location_types=tuple(types) if types is not None else None,
            max_shipments=self.max_shipments,
            max_distance_km=self.max_distance_km,
            respect_capacity=self.respect_capacity is not False,
            allow_partial=bool(self.allow_partial),
            allow_transfers=bool(self.allow_transfers),
            weights=weights,
            shipping_rate=rate,
        )


@strawberry.type
class SourcingWeights:
    distance: float
    priority: float
    turnaround: float
    capacity: float
    stock_depth: float
    cost: float
    performance: float


@strawberry.type
class ShippingRate:
    base: float
    per_km: float
    per_extra_parcel: float


@strawberry.type
class SourcingProfile:
    id: strawberry.ID
    channel: str | None
    market: str | None
    customer_segment: str | None
    allowed_location_types: list[LocationType] | None  # type: ignore[valid-type]
    max_shipments: int | None
    max_distance_km: float | None
    respect_capacity: bool
    allow_partial: bool
    allow_transfers: bool
    weights: SourcingWeights
    shipping_rate: ShippingRate


def profile_node(p: domain.SourcingProfile) -> SourcingProfile:
    return SourcingProfile(
        id=strawberry.ID(p.id),
        channel=p.channel,
        market=p.market,
        customer_segment=p.customer_segment,
        allowed_location_types=list(p.allowed_location_types) if p.allowed_location_types is not None else None,
        max_shipments=p.max_shipments,
        max_distance_km=p.max_distance_km,
        respect_capacity=p.respect_capacity,
        allow_partial=p.allow_partial,
        allow_transfers=p.allow_transfers,
        weights=SourcingWeights(**p.weights.as_dict()),
        shipping_rate=ShippingRate(
            base=p.shipping_rate.base, per_km=p.shipping_rate.per_km, per_extra_parcel=p.shipping_rate.per_extra_parcel
        ),
    )


@strawberry.type
class SourcingProfilePayload:
    profile: SourcingProfile | None
    user_errors: list[UserError]


@strawberry.type
class ProfilesQuery:
    @strawberry.field(description="Every sourcing profile, `default` included.")
    async def sourcing_profiles(self, info: Info) -> list[SourcingProfile]:
        info.context.require_staff()
        return [profile_node(p) for p in await service.list_profiles(info.context.uow())]


@strawberry.type
class ProfilesMutation:
    @strawberry.mutation(description="Create or replace a sourcing profile.")
    async def upsert_sourcing_profile(self, info: Info, input: SourcingProfileInput) -> SourcingProfilePayload:  # noqa: A002
        info.context.require_staff()
        try:
            saved = await service.upsert_profile(info.context.uow(), profile=input.to_domain())
        except DomainError as error:
            return SourcingProfilePayload(profile=None, user_errors=[user_error(error.at("input"))])
        return SourcingProfilePayload(profile=profile_node(saved), user_errors=[])
