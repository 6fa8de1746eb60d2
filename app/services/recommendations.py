"""Use case: same-location recommendations, for many requests in a constant number of statements.

One read serves a whole batch (a PLP of 24 products is one batch): relations
and co-purchase pairs of every primary SKU, the positions of primaries and
candidates together, and, when some request needs the sourcing engine to know
where the primary would ship from, today's capacity use and the profiles.
Orders (confirmation page, email) are read once per batch as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from app.resources import Resources
from app.services import sourcing as routing
from app.services.uow import utc_now
from app.store import affinity, positions
from app.store import fulfillments as fulfillment_store
from app.store import orders as order_store
from domain import profiles, recommendations, sourcing
from domain.errors import DomainError, InvalidInput, NotFound
from domain.locations import FulfillmentMethod, Geo, Location
from domain.orders import Fulfillment, Order
from domain.recommendations import Recommendation, RecommendationContext, Relation, Serving

PDP = RecommendationContext.PDP
MAX_RELATIONS = 5000


@dataclass(frozen=True, slots=True)
class RecommendationAsk:
    skus: tuple[str, ...]
    channel: str
    market: str
    context: RecommendationContext = PDP
    pickup_location_id: str | None = None
    destination: Geo | None = None
    order_id: str | None = None
    limit: int = 4
    segment: str | None = None


def _check(ask: RecommendationAsk) -> None:
    recommendations.check_limit(ask.limit)
    if ask.context is not PDP and not ask.order_id:
        raise InvalidInput(f"{ask.context.value} recommendations need orderId", ("orderId",))
    if ask.context is PDP and not ask.skus:
        raise InvalidInput("PDP recommendations need the primary skus", ("skus",))


async def recommend(resources: Resources, asks: Sequence[RecommendationAsk]) -> list[list[Recommendation]]:
    for ask in asks:
        _check(ask)
    async with resources.db.read() as conn:
        orders, fulfillments = await _orders(conn, asks)
        primaries = [_primaries(ask, orders) for ask in asks]
        every_primary = sorted({sku for group in primaries for sku in group})
        relations = await affinity.relations_of(conn, every_primary)
        pairs = await affinity.co_purchases_of(conn, every_primary)
        candidates = [recommendations.affinities(group, relations, pairs, set(group)) for group in primaries]
        skus = sorted(set(every_primary) | {sku for found in candidates for sku in found})
        stock = await resources.availability.stock_in(conn, skus)
        planned = await _sourcing_context(conn, resources, asks, primaries, stock)
    cache = resources.availability.cache
    servings = [_servings(ask, fulfillments, cache.locations, plan) for ask, plan in zip(asks, planned, strict=True)]
    wanted = sorted({sku for found in candidates for sku in found})
    where = {s.location.id for group in servings for s in group}  # only serving locations matter
    atp_by_scope: dict[tuple[str, str], dict[tuple[str, str], int]] = {}  # once per channel and market, not per ask
    results = []
    for ask, found, serving in zip(asks, candidates, servings, strict=True):
        scope = (ask.channel, ask.market)
        if scope not in atp_by_scope:
            atps = routing.location_atps(stock, cache, ask.channel, ask.market, skus=wanted, at=where)
            atp_by_scope[scope] = {key: value.atp for key, value in atps.items()}
        results.append(recommendations.rank(found, serving, atp_by_scope[scope], ask.limit))
    return results


async def _orders(
    conn: AsyncConnection, asks: Sequence[RecommendationAsk]
) -> tuple[dict[str, Order], dict[str, list[Fulfillment]]]:
    ids = sorted({ask.order_id for ask in asks if ask.order_id})
    if not ids:
        return {}, {}
    orders = await order_store.orders_by_id(conn, ids)
    missing = [i for i in ids if i not in orders]
    if missing:
        raise NotFound(f"No order {missing[0]!r}", ("orderId",))
    return orders, await fulfillment_store.fulfillments_for_orders(conn, ids)


def _primaries(ask: RecommendationAsk, orders: dict[str, Order]) -> tuple[str, ...]:
    """The items recommendations go with: the asked SKUs, or the order's lines."""
    if ask.order_id:
        return tuple(dict.fromkeys(line.sku for line in orders[ask.order_id].lines))
    return tuple(dict.fromkeys(ask.skus))


async def _sourcing_context(
    conn: AsyncConnection,
    resources: Resources,
    asks: Sequence[RecommendationAsk],
    primaries: Sequence[tuple[str, ...]],
    stock: positions.StockView,
) -> list[sourcing.Plan | None]:
    """Where each PDP primary would ship from (the same profile choice as placeOrder)."""
    needs = [ask.context is PDP and ask.pickup_location_id is None for ask in asks]
    if not any(needs):
        return [None] * len(asks)
    cache = resources.availability.cache
    all_profiles = cache.profiles
    atps = [
        routing.location_atps(stock, cache, ask.channel, ask.market, skus=group) if need else {}
        for ask, group, need in zip(asks, primaries, needs, strict=True)
    ]
    where = {loc for found in atps for loc, _ in found}
    capped = [x for x in where if x in cache.locations and cache.locations[x].daily_capacity is not None]
    today = await routing.capacity_today(conn, cache.locations, capped, utc_now())
    plans: list[sourcing.Plan | None] = []
    for ask, group, need, found in zip(asks, primaries, needs, atps, strict=True):
        if not need:
            plans.append(None)
            continue
        lines = tuple(sourcing.Line(sku, 1) for sku in group)
        route = routing.Ask(
            ask.channel, ask.market, lines, FulfillmentMethod.SHIP, ask.destination, segment=ask.segment
        )
        profile = profiles.choose(all_profiles, ask.channel, ask.market, ask.segment)
        plans.append(routing.run(routing.build_inputs(route, found, cache, today, profile)))
    return plans


def _servings(
    ask: RecommendationAsk,
    fulfillments: dict[str, list[Fulfillment]],
    locations: dict[str, Location],
    plan: sourcing.Plan | None,
) -> list[Serving]:
    return recommendations.servings(
        locations,
        order_fulfillments=fulfillments.get(ask.order_id, []) if ask.order_id else None,
        pickup_location_id=ask.pickup_location_id,
        ship_from=plan.locations() if plan else (),
    )


async def upsert_relations(resources: Resources, *, relations: Sequence[Relation]) -> tuple[int, list[DomainError]]:
    """Save relations from the PIM or a recommendation engine; each bad one fails alone."""
    if len(relations) > MAX_RELATIONS:
        raise InvalidInput(f"At most {MAX_RELATIONS} relations per call", ("input",))
    good: list[Relation] = []
    errors: list[DomainError] = []
    for index, relation in enumerate(relations):
        try:
            good.append(recommendations.validate_relation(relation))
        except DomainError as error:
            errors.append(error.at("input", str(index)))
    uow = resources.uow()
    async with uow:
        await affinity.save_relations(uow.conn, good, uow.now)
    return len(good), errors
