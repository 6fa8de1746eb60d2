"""Sourcing: which locations fulfil an order, and why, in words a person reads.

1. Hard filters drop locations that cannot take the order at all: inactive,
   not serving the market, lacking the delivery method, a type the profile
   does not allow, beyond the profile's distance, over its daily capacity (when
   the profile respects capacity), or holding none of the cart.
2. Soft criteria score each remaining location from 0 to 1 (distance, priority,
   turnaround, remaining capacity, stock depth, cost, performance), and the
   profile's weights combine them.
3. Search: the best single location that can serve everything; otherwise the
   fewest shipments up to `max_shipments`, found exactly over a bounded pool of
   candidates (the best-scored ones and the best few holding each line) while
   the combinations stay few, greedily beyond (take the location covering the
   most missing units, ties by score); what nothing can serve is unallocated.
   The search itself lives in `domain.sourcing_search`.
4. The plan explains itself: each shipment's reasons, the runners-up and the
   locations filtered out, plus every candidate's filters and scores as data.
"""

from __future__ import annotations

import operator
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from domain import sourcing_search
from domain.locations import FulfillmentMethod, Geo, Location
from domain.profiles import CRITERIA, SourcingProfile
from domain.sourcing_explain import explain

REPORTED = 25  # candidate reports per plan: the best that passed, and as many that failed


@dataclass(frozen=True, slots=True)
class Line:
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Candidate:
    """A location as sourcing sees it: its ATP per SKU under the order's channel rules.

    ATP is never negative, and location ids are unique among one plan's candidates."""

    location: Location
    atp: dict[str, int]
    distance_km: float | None = None
    fulfillments_today: int = 0
    performance: float = 1.0


@dataclass(frozen=True, slots=True)
class Request:
    lines: tuple[Line, ...]
    method: FulfillmentMethod
    market: str
    destination: Geo | None = None
    pickup_location_id: str | None = None
    excluded: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class CandidateReport:
    location_id: str
    passed: bool
    failures: tuple[str, ...]
    scores: dict[str, float]
    total: float


@dataclass(frozen=True, slots=True)
class Allocation:
    location_id: str
    sku: str
    quantity: int
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    profile_id: str
    allocations: tuple[Allocation, ...]
    unallocated: tuple[Line, ...]
    estimated_cost: float
    explanation: tuple[str, ...]
    candidates: tuple[CandidateReport, ...] = field(default=())

    @property
    def shipments(self) -> int:
        return len({a.location_id for a in self.allocations})

    @property
    def complete(self) -> bool:
        return not self.unallocated

    def locations(self) -> list[str]:
        return list(dict.fromkeys(a.location_id for a in self.allocations))


def merge_lines(lines: Sequence[Line]) -> tuple[Line, ...]:
    """One line per SKU (quantities summed), in first-seen order."""
    totals: dict[str, int] = {}
    for line in lines:
        totals[line.sku] = totals.get(line.sku, 0) + line.quantity
    return tuple(Line(sku, qty) for sku, qty in totals.items())


# ---------------------------------------------------------------- filters


def failures(
    candidate: Candidate, request: Request, profile: SourcingProfile, vector: Sequence[int] | None = None
) -> list[str]:
    """Why this location cannot take the order (empty: it passes every hard filter)."""
    loc = candidate.location
    found: list[str] = []
    if loc.id in request.excluded:
        found.append("excluded for this order")
    if not loc.active:
        found.append("inactive")
    if request.market not in loc.markets:
        found.append(f"does not serve {request.market}")
    if request.method not in loc.capabilities:
        found.append(f"does not offer {request.method.value}")
    if profile.allowed_location_types is not None and loc.type not in profile.allowed_location_types:
        found.append(f"{_kind(loc)} not allowed by profile {profile.id}")
    limit, distance = profile.max_distance_km, candidate.distance_km
    if limit is not None and distance is not None and distance > limit:
        found.append(f"{distance:,.0f} km, beyond {limit:,.0f} km")
    if (
        profile.respect_capacity
        and loc.daily_capacity is not None
        and candidate.fulfillments_today >= loc.daily_capacity
    ):
        found.append(f"over daily capacity {candidate.fulfillments_today}/{loc.daily_capacity}")
    held = vector if vector is not None else [candidate.atp.get(line.sku, 0) for line in request.lines]
    if not any(a > 0 for a in held):
        found.append("none of the order in stock")
    return found


def _kind(location: Location) -> str:
    return location.type.value.lower().replace("_", " ")


# ---------------------------------------------------------------- scores


def _cost(candidate: Candidate, request: Request, profile: SourcingProfile) -> float:
    handling = candidate.location.handling_cost or 0.0
    if request.method is FulfillmentMethod.PICKUP:
        return handling
    rate = profile.shipping_rate
    return handling + rate.base + rate.per_km * (candidate.distance_km or 0.0)


Scores = tuple[float, float, float, float, float, float, float]  # in CRITERIA order
Held = list[tuple[int, int]]  # (line index, ATP > 0), in line order


def _score(
    passed: Sequence[Candidate], held: Sequence[Held], request: Request, profile: SourcingProfile
) -> list[Scores]:
    """Each criterion from 0 (worst) to 1 (best) for every candidate that passed, relative to the others.

    Column by column: one tight comprehension per criterion costs far less than
    one loop body doing all seven (a thousand candidates per order)."""
    if not passed:
        return []
    needs = [line.quantity for line in request.lines]
    locs = [c.location for c in passed]
    distances = [c.distance_km for c in passed]
    turnarounds = [loc.turnaround_hours or 0.0 for loc in locs]
    priorities = [loc.priority for loc in locs]
    max_distance = profile.max_distance_km or max(d or 0.0 for d in distances) or 1.0
    max_priority = max(priorities)
    max_turnaround = max(turnarounds)
    costs = [_cost(c, request, profile) for c in passed]
    max_cost = max(costs)
    return list(
        zip(
            [1.0 if d is None else (x if (x := 1 - d / max_distance) > 0.0 else 0.0) for d in distances],
            [p / max_priority for p in priorities] if max_priority > 0 else [1.0] * len(locs),
            [1 - t / max_turnaround for t in turnarounds] if max_turnaround > 0 else [1.0] * len(locs),
            [_capacity(c.fulfillments_today, loc.daily_capacity) for c, loc in zip(passed, locs, strict=True)],
            [_depth(mine, needs) for mine in held],
            [1 - cost / max_cost for cost in costs] if max_cost > 0 else [1.0] * len(locs),
            [1.0 if not (x := c.performance) < 1.0 else x if x > 0.0 else 0.0 for c in passed],
            strict=True,
        )
    )


def _capacity(today: int, capacity: int | None) -> float:
    """Share of the day's capacity left; 1.0 without a capacity."""
    return max(0.0, 1 - today / capacity) if capacity else 1.0


def _depth(held: Held, needs: Sequence[int]) -> float:
    """1.0: taking the order leaves plenty; 0.0: it takes the location's last units."""
    total_fraction, count = 0.0, 0
    for i, have in held:
        quantity = needs[i]
        total_fraction += (have - (quantity if quantity < have else have)) / have
        count += 1
    return total_fraction / count if count else 0.0


def named(scores: Scores) -> dict[str, float]:
    return dict(zip(CRITERIA, scores, strict=True))


# ---------------------------------------------------------------- stock


def _held(candidates: Sequence[Candidate], lines: Sequence[Line]) -> tuple[list[Held], list[int]]:
    """Per candidate the lines it holds with their ATP, and those lines as a bitmask.

    Sparse because most locations hold few of a cart's lines: everything after
    this walks holders only."""
    index = {line.sku: i for i, line in enumerate(lines)}
    skus = list(index)
    width = len(skus)
    bits = [1 << i for i in range(width)]
    found: list[Held] = []
    masks: list[int] = []
    for c in candidates:
        atp = c.atp
        pairs: Held = []
        mask = 0
        if len(atp) <= width:
            for sku, a in atp.items():
                if a > 0 and (i := index.get(sku)) is not None:
                    pairs.append((i, a))
                    mask |= bits[i]
            if len(pairs) > 2:  # line order matters to _depth's sum only from three terms on
                pairs.sort()
        else:
            for i, sku in enumerate(skus):
                if (a := atp.get(sku, 0)) > 0:
                    pairs.append((i, a))
                    mask |= bits[i]
        found.append(pairs)
        masks.append(mask)
    return found, masks


def _filter(
    pool: Sequence[Candidate], held: Sequence[Held], masks: Sequence[int], request: Request, profile: SourcingProfile
) -> tuple[list[int], dict[str, list[str]]]:
    """Indexes of the candidates that pass every hard filter, and why each other one failed (in pool order).

    The test is `failures` as one expression over locals (most candidates pass);
    only a failing candidate has its reasons spelled out."""
    excluded, market, method = request.excluded, request.market, request.method
    allowed, limit, respect = profile.allowed_location_types, profile.max_distance_km, profile.respect_capacity
    passed: list[int] = []
    failed: dict[str, list[str]] = {}
    for k, c in enumerate(pool):
        loc = c.location
        capacity, distance = loc.daily_capacity, c.distance_km
        if (
            masks[k]
            and loc.active
            and loc.id not in excluded
            and market in loc.markets
            and method in loc.capabilities
            and (allowed is None or loc.type in allowed)
            and (limit is None or distance is None or distance <= limit)
            and not (respect and capacity is not None and c.fulfillments_today >= capacity)
        ):
            passed.append(k)
        else:
            failed[loc.id] = failures(c, request, profile, [a for _, a in held[k]])
    return passed, failed


def _allocate(pool: Sequence[Candidate], lines: Sequence[Line]) -> tuple[list[tuple[str, str, int]], list[Line]]:
    """Fill each line from the pool in order; returns (location, sku, qty) takes and what is left."""
    takes: list[tuple[str, str, int]] = []
    left: list[Line] = []
    for line in lines:
        need = line.quantity
        for c in pool:
            have = c.atp.get(line.sku, 0)
            if need and have > 0:
                take = min(need, have)
                takes.append((c.location.id, line.sku, take))
                need -= take
        if need:
            left.append(Line(line.sku, need))
    return takes, left


# ---------------------------------------------------------------- the plan


@dataclass(frozen=True, slots=True)
class _Ranking:
    """The candidates that passed, best first, with their scores and totals."""

    ranked: list[Candidate]
    positions: list[int]  # each ranked candidate's index in the pool
    scores: dict[str, Scores]
    totals: dict[str, float]
    ascending: list[float]  # every total, for ranks

    def rank(self, location_id: str) -> int:
        """1 + how many eligible candidates scored strictly higher."""
        return 1 + len(self.ascending) - bisect_right(self.ascending, self.totals[location_id])


def plan(candidates: Sequence[Candidate], request: Request, profile: SourcingProfile) -> Plan:
    """Route the order; never raises: what cannot be served is in `unallocated`."""
    lines = merge_lines(request.lines)
    request = Request(
        lines, request.method, request.market, request.destination, request.pickup_location_id, request.excluded
    )
    pool = [c for c in candidates if request.pickup_location_id in (None, c.location.id)]
    held, masks = _held(pool, lines)
    passed, failed = _filter(pool, held, masks, request, profile)
    ranking = _rank(pool, passed, held, request, profile)
    ranked, positions = ranking.ranked, ranking.positions
    chosen = (
        sourcing_search.choose(
            [held[k] for k in positions],
            [masks[k] for k in positions],
            [ln.quantity for ln in lines],
            profile.max_shipments,
        )
        if ranked
        else []
    )
    takes, left = _allocate([ranked[p] for p in chosen], lines)
    by_id = {c.location.id: c for c in pool}
    allocations = tuple(
        Allocation(loc_id, sku, qty, _reasons(by_id[loc_id], takes=takes, lines=lines, ranking=ranking))
        for loc_id, sku, qty in takes
    )
    shipping = [by_id[loc_id] for loc_id in dict.fromkeys(t[0] for t in takes)]
    cost = _plan_cost(shipping, request, profile)
    reported = ranked[:REPORTED] + sorted((by_id[loc_id] for loc_id in failed), key=_by_id)[:REPORTED]
    reports = tuple(
        CandidateReport(
            c.location.id,
            c.location.id not in failed,
            tuple(failed.get(c.location.id, ())),
            named(ranking.scores[c.location.id]) if c.location.id in ranking.scores else {},
            ranking.totals.get(c.location.id, 0.0),
        )
        for c in reported
    )
    explanation = explain(
        profile,
        request=request,
        ranked=ranked,
        shipping=shipping,
        failed=failed,
        totals=ranking.totals,
        left=left,
        considered=len(pool),
    )
    return Plan(profile.id, allocations, tuple(left), cost, explanation, reports)


def _rank(
    pool: Sequence[Candidate], passed: Sequence[int], held: Sequence[Held], request: Request, profile: SourcingProfile
) -> _Ranking:
    """Score the candidates that passed and order them by total, the weighted mean of
    the criteria rounded to 4 places (best first, ties by id)."""
    eligible = [pool[k] for k in passed]
    scores = _score(eligible, [held[k] for k in passed], request, profile)
    weights = [profile.weights.as_dict()[k] for k in CRITERIA]
    weight_sum = sum(weights)
    if weight_sum > 0:
        totals = [round(sum(map(operator.mul, weights, s)) / weight_sum, 4) for s in scores]
    else:
        totals = [0.0] * len(scores)
    ids = [c.location.id for c in eligible]
    order = sorted(zip([-t for t in totals], ids, range(len(ids)), strict=True))  # unique ids: k never compares
    return _Ranking(
        [eligible[k] for _, _, k in order],
        [passed[k] for _, _, k in order],
        dict(zip(ids, scores, strict=True)),
        dict(zip(ids, totals, strict=True)),
        sorted(totals),
    )


def _by_id(candidate: Candidate) -> str:
    return candidate.location.id


def _plan_cost(shipping: Sequence[Candidate], request: Request, profile: SourcingProfile) -> float:
    if not shipping:
        return 0.0
    parcels = sum(_cost(c, request, profile) for c in shipping)
    extra = 0.0 if request.method is FulfillmentMethod.PICKUP else profile.shipping_rate.per_extra_parcel
    return round(parcels + extra * (len(shipping) - 1), 2)


def _strengths(scores: dict[str, float]) -> str:
    best = sorted(scores.items(), key=lambda kv: -kv[1])[:3]
    return ", ".join(f"{name.replace('_', ' ')} {value:.2f}" for name, value in best)


def _reasons(
    candidate: Candidate,
    *,
    takes: Sequence[tuple[str, str, int]],
    lines: Sequence[Line],
    ranking: _Ranking,
) -> tuple[str, ...]:
    loc = candidate.location
    mine = [t for t in takes if t[0] == loc.id]
    reasons = []
    if len({t[1] for t in mine}) == len(lines) and all(
        candidate.atp.get(line.sku, 0) >= line.quantity for line in lines
    ):
        reasons.append("can serve the whole order in one parcel")
    else:
        reasons.append(f"holds {len(mine)} of the {len(lines)} lines the other parcels lack")
    strengths = _strengths(named(ranking.scores[loc.id]))
    eligible = len(ranking.ranked)
    rank = ranking.rank(loc.id)
    reasons.append(f"score {ranking.totals[loc.id]:.2f}, rank {rank} of {eligible} eligible; strongest on {strengths}")
    if candidate.distance_km is not None:
        reasons.append(f"{candidate.distance_km:,.0f} km from the destination")
    if loc.priority:
        reasons.append(f"priority {loc.priority} ({_kind(loc)})")
    return tuple(reasons)
