"""Sourcing profiles: how a retailer wants orders routed, as data.

A profile applies to a scope (customer segment, channel, market; null matches
everything) and the most specific matching profile wins: segment outranks
channel, which outranks market; a tie goes to the profile changed last. The
`default` profile always exists and matches everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from domain.errors import InvalidInput
from domain.locations import LocationType

DEFAULT_PROFILE_ID = "default"


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each soft criterion counts (any non-negative scale; normalised by their sum)."""

    distance: float = 1.0
    priority: float = 1.0
    turnaround: float = 0.5
    capacity: float = 0.5
    stock_depth: float = 0.5
    cost: float = 0.5
    performance: float = 0.5

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in CRITERIA}


CRITERIA = ("distance", "priority", "turnaround", "capacity", "stock_depth", "cost", "performance")


@dataclass(frozen=True, slots=True)
class ShippingRate:
    """The cost model of a parcel: base + per km from the shipping location, + per extra parcel."""

    base: float = 5.0
    per_km: float = 0.01
    per_extra_parcel: float = 4.0


@dataclass(frozen=True, slots=True)
class SourcingProfile:
    id: str
    revision: int = 0
    channel: str | None = None
    market: str | None = None
    customer_segment: str | None = None
    allowed_location_types: tuple[LocationType, ...] | None = None
    max_shipments: int | None = 3
    max_distance_km: float | None = None
    respect_capacity: bool = True
    allow_partial: bool = False
    allow_transfers: bool = False  # a pickup store lacking the cart may be sent it by another location
    weights: Weights = field(default_factory=Weights)
    shipping_rate: ShippingRate = field(default_factory=ShippingRate)

    def matches(self, channel: str, market: str, segment: str | None) -> bool:
        return (
            (self.channel is None or self.channel == channel)
            and (self.market is None or self.market == market)
            and (self.customer_segment is None or self.customer_segment == segment)
        )

    def specificity(self) -> tuple[int, int, int, int]:
        return (
            int(self.customer_segment is not None),
            int(self.channel is not None),
            int(self.market is not None),
            self.revision,
        )


DEFAULT_PROFILE = SourcingProfile(DEFAULT_PROFILE_ID)


def choose(profiles: Iterable[SourcingProfile], channel: str, market: str, segment: str | None) -> SourcingProfile:
    """The most specific profile for this order; `default` when nothing else matches."""
    best = DEFAULT_PROFILE
    for profile in profiles:
        if profile.id == DEFAULT_PROFILE_ID:
            if best.id == DEFAULT_PROFILE_ID:
                best = profile
            continue
        if profile.matches(channel, market, segment) and (
            best.id == DEFAULT_PROFILE_ID or profile.specificity() > best.specificity()
        ):
            best = profile
    return best


def validate(profile: SourcingProfile) -> SourcingProfile:
    if not profile.id.strip():
        raise InvalidInput("A profile needs an id", ("id",))
    if profile.id == DEFAULT_PROFILE_ID and (profile.channel or profile.market or profile.customer_segment):
        raise InvalidInput("The default profile matches everything; it takes no scope", ("id",))
    if profile.max_shipments is not None and profile.max_shipments < 1:
        raise InvalidInput("maxShipments is at least 1 (1 = never split)", ("maxShipments",))
    if profile.max_distance_km is not None and profile.max_distance_km <= 0:
        raise InvalidInput("maxDistanceKm must be positive", ("maxDistanceKm",))
    if any(w < 0 for w in profile.weights.as_dict().values()):
        raise InvalidInput("Weights cannot be negative", ("weights",))
    rate = profile.shipping_rate
    if min(rate.base, rate.per_km, rate.per_extra_parcel) < 0:
        raise InvalidInput("Shipping rates cannot be negative", ("shippingRate",))
    return profile
