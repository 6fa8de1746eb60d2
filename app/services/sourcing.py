"""Gathering what sourcing needs, inside a command's transaction, and running it.

The engine (`domain.sourcing`) is pure; this module reads the positions of
the cart's SKUs, the ATP of each under the order's channel rules, today's
fulfillment counts, distances and the profile, then asks the engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from app.resources import Resources
from app.services.availability import ReferenceCache
from app.store import counters, positions
from app.store import holds as hold_store
from domain import atp, geo, profiles, sourcing
from domain.inventory import Position
from domain.local_time import local_day
from domain.locations import FulfillmentMethod, Geo, Location
from domain.orders import Customer, Delivery, OrderLine
from domain.profiles import SourcingProfile


@dataclass(frozen=True, slots=True)
class Ask:
    """The routing question: what, where to, by which method, for whom."""

    channel: str
    market: str
    lines: tuple[sourcing.Line, ...]
    method: FulfillmentMethod
    destination: Geo | None = None
    pickup_location_id: str | None = None
    segment: str | None = None
    excluded: frozenset[str] = frozenset()


class _Ordered(Protocol):
    """An order or a request for one: what sourcing needs to know of it."""

    @property
    def channel(self) -> str: ...
    @property
    def market(self) -> str: ...
    @property
    def lines(self) -> tuple[OrderLine, ...]: ...
    @property
    def delivery(self) -> Delivery: ...
    @property
    def customer(self) -> Customer: ...


def ask_for(order: _Ordered) -> Ask:
    """The routing question of an order (placed, or being placed): its lines, delivery and customer."""
    return Ask(
        channel=order.channel,
        market=order.market,
        lines=sourcing.merge_lines([sourcing.Line(x.sku, x.quantity) for x in order.lines]),
        method=order.delivery.method,
        destination=order.delivery.geo,
        pickup_location_id=order.delivery.pickup_location_id,
        segment=order.customer.segment,
    )


@dataclass(frozen=True, slots=True)
class Inputs:
    candidates: list[sourcing.Candidate]
    held: dict[tuple[str, str], int]  # (location, sku) -> units held back by rules
    positions: dict[tuple[str, str], Position]
    profile: SourcingProfile
    request: sourcing.Request
    today: dict[str, int]  # units of daily capacity claimed today (local day) per location


async def gather(
    conn: AsyncConnection, resources: Resources, ask: Ask, now: datetime, stock: positions.StockView | None = None
) -> Inputs:
    """Read what sourcing needs (one statement when warm; none when the caller read `stock` already,
    with the cache brought up to date, plus today's capacity use where a capacity can bind)."""
    if stock is None:
        stock = await resources.availability.stock_in(conn, sorted({line.sku for line in ask.lines}), now)
    atps = location_atps(stock, resources.availability.cache, ask.channel, ask.market)
    cache = resources.availability.cache
    chosen = profiles.choose(cache.profiles, ask.channel, ask.market, ask.segment)
    locations = {loc for loc, _ in atps} | ({ask.pickup_location_id} if ask.pickup_location_id else set())
    today: dict[str, int] = {}
    capped = [x for x in locations if x in cache.locations and cache.locations[x].daily_capacity is not None]
    if chosen.respect_capacity and capped:  # capacity use is read only where a capacity can bind
        today = await capacity_today(conn, cache.locations, capped, now)
    return build_inputs(ask, atps, cache, today, chosen)


async def capacity_today(
    conn: AsyncConnection, locations: dict[str, Location], capped: Iterable[str], now: datetime
) -> dict[str, int]:
    """Units of each capped location's capacity claimed on its local day, less the claims of holds past
    their time (they count nowhere, even before the sweeper ends them). Those are read only when a location
    looks full, where they decide; below that they only nudge the load score, for one sweep at most."""
    days = capacity_days(locations, capped, now)
    used = await counters.capacity_used(conn, days)
    if any(n >= (locations[x].daily_capacity or 0) for x, n in used.items()):
        lapsed = await hold_store.lapsed_capacity(conn, now)
        used = {x: n - lapsed.get((x, days[x]), 0) for x, n in used.items()}
    return used


def capacity_days(locations: dict[str, Location], location_ids: Iterable[str], now: datetime) -> dict[str, str]:
    """Each location's own local day now: the day whose capacity a fulfillment created now claims."""
    return {x: local_day(now, locations[x].timezone) for x in location_ids if x in locations}


def location_atps(
    stock: positions.StockView,
    cache: ReferenceCache,
    channel: str,
    market: str,
    *,
    skus: Iterable[str] | None = None,
    at: set[str] | None = None,
) -> dict[tuple[str, str], atp.LocationAtp]:
    """(location, sku) -> ATP under the channel and market's rules, for the stored positions of these SKUs
    (at these locations, when given)."""
    found: dict[tuple[str, str], atp.LocationAtp] = {}
    for sku in stock.positions if skus is None else skus:
        held = stock.positions.get(sku, [])
        if at is not None:
            held = [p for p in held if p.location_id in at]
        category = stock.categories.get(sku)
        rules = cache.rules.candidates(sku, category, channel, market)
        for position in held:
            location = cache.locations.get(position.location_id)
            if location is not None:
                scope = atp.Scope(channel, market, location, sku, category)
                found[(location.id, sku)] = atp.location_atp(position, scope, rules)
    return found


def build_inputs(
    ask: Ask,
    atps: dict[tuple[str, str], atp.LocationAtp],
    cache: ReferenceCache,
    today: dict[str, int],
    profile: SourcingProfile,
) -> Inputs:
    """The engine's candidates for the ask's lines (no I/O)."""
    wanted = {line.sku for line in ask.lines}
    per_location: dict[str, dict[str, int]] = {}
    held: dict[tuple[str, str], int] = {}
    found: dict[tuple[str, str], Position] = {}
    for (loc_id, sku), result in atps.items():
        if sku in wanted:
            per_location.setdefault(loc_id, {})[sku] = result.atp
            held[(loc_id, sku)] = result.held
            found[(loc_id, sku)] = Position(
                sku, loc_id, result.on_hand, result.reserved, result.inbound, result.inbound_eta
            )
    if ask.pickup_location_id and ask.pickup_location_id in cache.locations:
        per_location.setdefault(ask.pickup_location_id, {})
    candidates = [
        sourcing.Candidate(
            cache.locations[loc_id],
            atp_by_sku,
            geo.distance_km(ask.destination, cache.locations[loc_id].geo) if ask.destination else None,
            today.get(loc_id, 0),
            cache.performance.get(loc_id, 1.0),
        )
        for loc_id, atp_by_sku in sorted(per_location.items())
    ]
    request = sourcing.Request(ask.lines, ask.method, ask.market, ask.destination, ask.pickup_location_id, ask.excluded)
    return Inputs(candidates, held, found, profile, request, today)


def run(inputs: Inputs, profile: SourcingProfile | None = None) -> sourcing.Plan:
    return sourcing.plan(inputs.candidates, inputs.request, profile or inputs.profile)


def plan_to_json(
    plan: sourcing.Plan,
    profile: SourcingProfile | None,
    top_candidates: int = 20,
    weights: dict[str, float] | None = None,
) -> dict[str, object]:
    """The plan as stored on the order (the candidates list is trimmed to the best few); the profile's
    weights, or `weights` when no profile ran (an edit that sourced nothing keeps the order's)."""
    return {
        "profile_id": plan.profile_id,
        "weights": profile.weights.as_dict() if profile else (weights or {}),
        "allocations": [
            {"location_id": a.location_id, "sku": a.sku, "quantity": a.quantity, "reasons": list(a.reasons)}
            for a in plan.allocations
        ],
        "unallocated": [{"sku": u.sku, "quantity": u.quantity} for u in plan.unallocated],
        "estimated_cost": plan.estimated_cost,
        "explanation": list(plan.explanation),
        "candidates": [
            {
                "location_id": c.location_id,
                "passed": c.passed,
                "failures": list(c.failures),
                "scores": c.scores,
                "total": c.total,
            }
            for c in plan.candidates[:top_candidates]
        ],
    }


def weights_from_json(raw: dict[str, Any]) -> dict[str, float]:
    found = raw.get("weights")
    return {str(k): float(v) for k, v in found.items()} if isinstance(found, dict) else {}


def plan_from_json(raw: dict[str, Any]) -> sourcing.Plan:
    """The stored plan back as the engine's value (orders placed before a field existed read it as empty)."""
    return sourcing.Plan(
        profile_id=str(raw.get("profile_id", profiles.DEFAULT_PROFILE_ID)),
        allocations=tuple(
            sourcing.Allocation(a["location_id"], a["sku"], int(a["quantity"]), tuple(a["reasons"]))
            for a in raw.get("allocations", [])
        ),
        unallocated=tuple(sourcing.Line(u["sku"], int(u["quantity"])) for u in raw.get("unallocated", [])),
        estimated_cost=float(raw.get("estimated_cost", 0.0)),
        explanation=tuple(str(x) for x in raw.get("explanation", [])),
        candidates=tuple(
            sourcing.CandidateReport(
                c["location_id"], bool(c["passed"]), tuple(c["failures"]), dict(c["scores"]), float(c["total"])
            )
            for c in raw.get("candidates", [])
        ),
    )
