"""Same-location recommendations: items that join the shopper's order without a new parcel.

Candidates come from relations pushed by a PIM or recommendation engine
(accessory, similar, bought together, with a weight) and from what the OMS
learns from its own orders: the lift of "bought in the same order"
(together x orders / (orders with A x orders with B)), counted only from
`MIN_SUPPORT` orders together up.

A candidate qualifies only with ATP of at least 1 at a location that already
serves the primary item(s) in this context (the pickup store, the location
sourcing would ship from, or the locations the order was sourced to), never
the primary item and never already in the order, so adding it never adds a
shipment. Score = affinity x (0.5 + 0.5 x depth), where affinity is the
strongest relation weight plus the co-purchase strength (lift 1 -> 0, lift 5 or
more -> 1) and depth = atp / (atp + 2) prefers locations with units to spare.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from domain.errors import InvalidInput
from domain.locations import FulfillmentMethod, Location
from domain.orders import Fulfillment, FulfillmentStatus

MIN_SUPPORT = 2
MAX_LIMIT = 20


class RecommendationContext(enum.Enum):
    PDP = "PDP"
    ORDER_CONFIRMATION = "ORDER_CONFIRMATION"
    EMAIL = "EMAIL"


@dataclass(frozen=True, slots=True)
class Relation:
    sku: str
    related_sku: str
    kind: str
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class CoPurchase:
    sku: str
    related_sku: str
    together: int
    lift: float


@dataclass(frozen=True, slots=True)
class Serving:
    """A location that already serves the primary item(s), how, and for orders which fulfillment."""

    location: Location
    method: FulfillmentMethod
    fulfillment_id: str | None = None


@dataclass(slots=True)
class Affinity:
    relation_weight: float = 0.0
    relation_kind: str | None = None
    relation_from: str | None = None
    lift: float = 0.0
    lift_from: str | None = None
    sources: set[str] = field(default_factory=set)

    @property
    def strength(self) -> float:
        return self.relation_weight + min(1.0, max(0.0, (self.lift - 1.0) / 4.0))


@dataclass(frozen=True, slots=True)
class Recommendation:
    sku: str
    location_id: str
    method: FulfillmentMethod
    atp: int
    score: float
    reason: str
    fulfillment_id: str | None = None
    kind: str | None = None


def lift(together: int, orders_a: int, orders_b: int, total_orders: int) -> float:
    if together < MIN_SUPPORT or not orders_a or not orders_b:
        return 0.0
    return together * total_orders / (orders_a * orders_b)


def validate_relation(relation: Relation) -> Relation:
    if not relation.sku.strip() or not relation.related_sku.strip():
        raise InvalidInput("sku and relatedSku must not be empty", ("sku",))
    if relation.sku == relation.related_sku:
        raise InvalidInput("A product cannot be related to itself", ("relatedSku",))
    if not relation.kind.strip():
        raise InvalidInput("kind must not be empty (e.g. ACCESSORY, SIMILAR, BOUGHT_TOGETHER)", ("kind",))
    if not 0 <= relation.weight <= 10:
        raise InvalidInput("weight is 0 to 10", ("weight",))
    return relation


def affinities(
    primaries: Sequence[str], relations: Iterable[Relation], co_purchases: Iterable[CoPurchase], exclude: set[str]
) -> dict[str, Affinity]:
    """Every candidate SKU with the strongest reason to show it beside these primaries."""
    wanted = set(primaries)
    found: dict[str, Affinity] = {}
    for r in relations:
        if r.sku in wanted and r.related_sku not in exclude:
            a = found.setdefault(r.related_sku, Affinity())
            a.sources.add(r.sku)
            if r.weight > a.relation_weight:
                a.relation_weight, a.relation_kind, a.relation_from = r.weight, r.kind, r.sku
    for c in co_purchases:
        if c.sku in wanted and c.related_sku not in exclude and c.lift > 1.0:
            a = found.setdefault(c.related_sku, Affinity())
            a.sources.add(c.sku)
            if c.lift > a.lift:
                a.lift, a.lift_from = c.lift, c.sku
    return {sku: a for sku, a in found.items() if a.strength > 0}


def depth(atp: int) -> float:
    return atp / (atp + 2)


def rank(
    candidates: dict[str, Affinity],
    servings: Sequence[Serving],
    atp_at: dict[tuple[str, str], int],
    limit: int,
) -> list[Recommendation]:
    """The best `limit` candidates, each at its best serving location with ATP >= 1."""
    picks: list[Recommendation] = []
    for sku, affinity in candidates.items():
        best: Recommendation | None = None
        for serving in servings:
            atp = atp_at.get((serving.location.id, sku), 0)
            if atp < 1:
                continue
            score = round(affinity.strength * (0.5 + 0.5 * depth(atp)), 4)
            if best is None or score > best.score:
                best = Recommendation(
                    sku,
                    serving.location.id,
                    serving.method,
                    atp,
                    score,
                    reason(affinity, serving),
                    serving.fulfillment_id,
                    affinity.relation_kind,
                )
        if best is not None:
            picks.append(best)
    picks.sort(key=lambda r: (-r.score, r.sku))
    return picks[:limit]


def reason(affinity: Affinity, serving: Serving) -> str:
    """Why, in words a shopper or a marketer reads."""
    if affinity.relation_kind and affinity.relation_weight >= min(1.0, affinity.strength - affinity.relation_weight):
        kind = affinity.relation_kind.replace("_", " ").lower()
        why = f"Goes with {affinity.relation_from} ({kind})."
    else:
        why = f"Often bought together with {affinity.lift_from}."
    name = serving.location.name
    where = {
        FulfillmentMethod.PICKUP: f"In stock at {name}: pick it up with your order.",
        FulfillmentMethod.SHIP: f"Ships in the same parcel from {name}.",
        FulfillmentMethod.SAME_DAY: f"Comes with your same-day delivery from {name}.",
    }[serving.method]
    return f"{why} {where}"


def check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit is 1 to {MAX_LIMIT}", ("limit",))


def servings(
    locations: dict[str, Location],
    *,
    order_fulfillments: Sequence[Fulfillment] | None = None,
    pickup_location_id: str | None = None,
    ship_from: Sequence[str] = (),
) -> list[Serving]:
    """Where the primary item(s) are served in this context: the order's live fulfillments, else the
    pickup store, else the locations sourcing would ship from."""
    if order_fulfillments is not None:
        live = [f for f in order_fulfillments if f.status is not FulfillmentStatus.CANCELLED]
        return [Serving(locations[f.location_id], f.method, f.id) for f in live if f.location_id in locations]
    if pickup_location_id:
        store = locations.get(pickup_location_id)
        return [Serving(store, FulfillmentMethod.PICKUP)] if store is not None else []
    return [Serving(locations[x], FulfillmentMethod.SHIP) for x in ship_from if x in locations]
