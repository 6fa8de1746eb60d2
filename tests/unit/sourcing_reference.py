"""The sourcing engine as first written: straightforward, slow, and the reference
the fast engine in `domain.sourcing` must agree with plan for plan (see
test_sourcing_fast_path.py). Frozen: change the rules in both or in neither. The explanation's
wording is the product's (`domain.sourcing_explain`), given this engine's own ranking and filters.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Sequence

from domain.locations import FulfillmentMethod, Location
from domain.profiles import CRITERIA, SourcingProfile
from domain.sourcing_explain import explain
from domain.sourcing_types import Allocation, Candidate, CandidateReport, Line, Plan, Request, merge_lines

EXACT_SEARCH_LIMIT = 2000  # combinations tried exactly; beyond this the greedy heuristic runs
POOL_BEST = 8  # best-scored candidates always in the exact-search pool
POOL_PER_LINE = 3  # plus the best few holding each line
REPORTED = 25  # candidate reports per plan: the best that passed, and as many that failed


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


def _depth(vector: Sequence[int], needs: Sequence[int]) -> float:
    """1.0: taking the order leaves plenty; 0.0: it takes the location's last units."""
    total_fraction, held = 0.0, 0
    for have, quantity in zip(vector, needs, strict=True):
        if have > 0:
            total_fraction += (have - (quantity if quantity < have else have)) / have
            held += 1
    return total_fraction / held if held else 0.0


Scores = tuple[float, float, float, float, float, float, float]  # in CRITERIA order


def score(
    candidates: Sequence[Candidate],
    request: Request,
    profile: SourcingProfile,
    vectors: dict[str, list[int]] | None = None,
) -> dict[str, Scores]:
    """Each criterion from 0 (worst) to 1 (best) for every candidate, relative to the others."""
    if not candidates:
        return {}
    skus = [line.sku for line in request.lines]
    vectors = vectors or {c.location.id: [c.atp.get(sku, 0) for sku in skus] for c in candidates}
    max_distance = profile.max_distance_km or max((c.distance_km or 0.0) for c in candidates) or 1.0
    max_priority = max(c.location.priority for c in candidates)
    max_turnaround = max((c.location.turnaround_hours or 0.0) for c in candidates)
    costs = [_cost(c, request, profile) for c in candidates]
    max_cost = max(costs)
    needs = [line.quantity for line in request.lines]
    scores: dict[str, Scores] = {}
    for c, cost in zip(candidates, costs, strict=True):
        loc = c.location
        capacity = max(0.0, 1 - c.fulfillments_today / loc.daily_capacity) if loc.daily_capacity else 1.0
        scores[loc.id] = (
            1.0 if c.distance_km is None else max(0.0, 1 - c.distance_km / max_distance),
            loc.priority / max_priority if max_priority > 0 else 1.0,
            1 - (loc.turnaround_hours or 0.0) / max_turnaround if max_turnaround > 0 else 1.0,
            capacity,
            _depth(vectors[loc.id], needs),
            1 - cost / max_cost if max_cost > 0 else 1.0,
            max(0.0, min(1.0, c.performance)),
        )
    return scores


def total(scores: Scores, weights: Sequence[float]) -> float:
    """The weighted mean of the criteria (weights in CRITERIA order)."""
    weight_sum = sum(weights)
    if weight_sum <= 0:
        return 0.0
    weighted: float = sum(map(operator.mul, weights, scores))
    return round(weighted / weight_sum, 4)


def named(scores: Scores) -> dict[str, float]:
    return dict(zip(CRITERIA, scores, strict=True))


# ---------------------------------------------------------------- search


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


def search(
    ranked: Sequence[Candidate],
    lines: Sequence[Line],
    max_shipments: int | None,
    by_location: dict[str, list[int]] | None = None,
) -> list[Candidate]:
    """The locations to ship from, best-scored first (`ranked` is sorted by total, best first)."""
    needs = [line.quantity for line in lines]
    if by_location is None:
        by_location = {c.location.id: [c.atp.get(line.sku, 0) for line in lines] for c in ranked}
    vectors = [by_location[c.location.id] for c in ranked]  # ATP per line, read once
    for index, vector in enumerate(vectors):
        if all(a >= n for a, n in zip(vector, needs, strict=True)):
            return [ranked[index]]
    limit = max(1, max_shipments or len(ranked))
    exact = _exact(ranked, vectors, needs, limit)
    if exact is not None:
        return exact
    return _greedy(ranked, vectors, needs, limit)


def _exact(
    ranked: Sequence[Candidate], vectors: list[list[int]], needs: list[int], limit: int
) -> list[Candidate] | None:
    """Fewest shipments over a bounded pool; in pool (score) order the first cover found is the best-scored."""
    pool = _pool(vectors, needs)
    masks = [sum(1 << i for i, a in enumerate(vectors[p]) if a > 0) for p in pool]
    full = (1 << len(needs)) - 1
    for size in range(2, min(limit, len(pool)) + 1):
        if math.comb(len(pool), size) > EXACT_SEARCH_LIMIT:
            return None  # too many combinations of this size: the greedy heuristic takes over
        for combo in itertools.combinations(range(len(pool)), size):
            if _union(masks, combo) != full:
                continue  # some line is held by none of them
            if all(sum(vectors[pool[k]][i] for k in combo) >= n for i, n in enumerate(needs)):
                return [ranked[pool[k]] for k in combo]
    return None


def _union(masks: Sequence[int], combo: Sequence[int]) -> int:
    found = 0
    for i in combo:
        found |= masks[i]
    return found


def _pool(vectors: list[list[int]], needs: list[int]) -> list[int]:
    """Indexes of the best-scored candidates plus the best few holders of each line, in score order."""
    chosen = set(range(min(POOL_BEST, len(vectors))))
    for i, need in enumerate(needs):
        holders = [k for k, v in enumerate(vectors) if v[i] > 0]
        holders.sort(key=lambda k: -min(need, vectors[k][i]))  # stable: ties stay in score order
        chosen.update(holders[:POOL_PER_LINE])
    return sorted(chosen)


def _greedy(ranked: Sequence[Candidate], vectors: list[list[int]], needs: list[int], limit: int) -> list[Candidate]:
    """Take the location covering the most missing units (the best-scored of equals) until covered."""
    chosen: list[int] = []
    missing = list(needs)
    while any(missing) and len(chosen) < limit:
        best, best_units = -1, 0
        for k, vector in enumerate(vectors):
            units = 0
            for n, a in zip(missing, vector, strict=True):
                if n and a:
                    units += n if n < a else a
            if units > best_units and k not in chosen:
                best, best_units = k, units
        if best < 0:
            break
        chosen.append(best)
        missing = [max(0, n - a) for n, a in zip(missing, vectors[best], strict=True)]
    return [ranked[k] for k in chosen]


# ---------------------------------------------------------------- the plan


def plan(candidates: Sequence[Candidate], request: Request, profile: SourcingProfile) -> Plan:
    """Route the order; never raises: what cannot be served is in `unallocated`."""
    lines = merge_lines(request.lines)
    request = Request(
        lines, request.method, request.market, request.destination, request.pickup_location_id, request.excluded
    )
    pool = [c for c in candidates if request.pickup_location_id in (None, c.location.id)]
    vectors = {c.location.id: [c.atp.get(line.sku, 0) for line in lines] for c in pool}  # ATP per line, read once
    failed = {c.location.id: failures(c, request, profile, vectors[c.location.id]) for c in pool}
    passed = [c for c in pool if not failed[c.location.id]]
    scores = score(passed, request, profile, vectors)
    weights = [profile.weights.as_dict()[k] for k in CRITERIA]
    totals = {loc_id: total(s, weights) for loc_id, s in scores.items()}
    ranked = sorted(passed, key=lambda c: (-totals[c.location.id], c.location.id))
    chosen = search(ranked, lines, profile.max_shipments, vectors) if ranked else []
    takes, left = _allocate(chosen, lines)
    by_id = {c.location.id: c for c in pool}
    allocations = tuple(
        Allocation(
            loc_id,
            sku,
            qty,
            _reasons(by_id[loc_id], takes=takes, lines=lines, totals=totals, scores=scores, eligible=len(ranked)),
        )
        for loc_id, sku, qty in takes
    )
    shipping = [by_id[loc_id] for loc_id in dict.fromkeys(t[0] for t in takes)]
    cost = _plan_cost(shipping, request, profile)
    reported = ranked[:REPORTED] + sorted((c for c in pool if failed[c.location.id]), key=_by_id)[:REPORTED]
    reports = tuple(
        CandidateReport(
            c.location.id,
            not failed[c.location.id],
            tuple(failed[c.location.id]),
            named(scores[c.location.id]) if c.location.id in scores else {},
            totals.get(c.location.id, 0.0),
        )
        for c in reported
    )
    explanation = explain(  # the wording is the product's; what it is given is this engine's
        profile,
        request=request,
        ranked=ranked,
        shipping=shipping,
        failed=failed,
        totals=totals,
        left=left,
        considered=len(pool),
    )
    return Plan(profile.id, allocations, tuple(left), cost, explanation, reports)


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
    totals: dict[str, float],
    scores: dict[str, Scores],
    eligible: int,
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
    rank = 1 + sum(1 for other in totals.values() if other > totals[loc.id])
    strengths = _strengths(named(scores[loc.id]))
    reasons.append(f"score {totals[loc.id]:.2f}, rank {rank} of {eligible} eligible; strongest on {strengths}")
    if candidate.distance_km is not None:
        reasons.append(f"{candidate.distance_km:,.0f} km from the destination")
    if loc.priority:
        reasons.append(f"priority {loc.priority} ({_kind(loc)})")
    return tuple(reasons)
