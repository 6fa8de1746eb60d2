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
   The filters live in `domain.sourcing_filters`, the scores in
   `domain.sourcing_scores`, the search in `domain.sourcing_search`.
4. The plan explains itself: each shipment's reasons, the runners-up and the
   locations filtered out (`domain.sourcing_explain`), plus every candidate's
   filters and scores as data. The types both use are `domain.sourcing_types`,
   re-exported here for callers (`sourcing.Line`, `sourcing.Plan`).
"""

from __future__ import annotations

from collections.abc import Sequence

from domain import sourcing_search
from domain.locations import FulfillmentMethod
from domain.profiles import SourcingProfile
from domain.sourcing_explain import explain
from domain.sourcing_filters import apply_filters, failures, kind, stock_held
from domain.sourcing_scores import Ranking, named, parcel_cost, rank
from domain.sourcing_types import Allocation, Candidate, CandidateReport, Line, Plan, Request, merge_lines

# The shared types live in `domain.sourcing_types`; callers keep reading them here.
__all__ = [
    "Allocation",
    "Candidate",
    "CandidateReport",
    "Line",
    "Plan",
    "Request",
    "failures",
    "merge_lines",
    "named",
    "plan",
]

REPORTED = 25  # candidate reports per plan: the best that passed, and as many that failed


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


def plan(candidates: Sequence[Candidate], request: Request, profile: SourcingProfile) -> Plan:
    """Route the order; never raises: what cannot be served is in `unallocated`."""
    lines = merge_lines(request.lines)
    request = Request(
        lines, request.method, request.market, request.destination, request.pickup_location_id, request.excluded
    )
    pool = [c for c in candidates if request.pickup_location_id in (None, c.location.id)]
    held, masks = stock_held(pool, lines)
    passed, failed = apply_filters(pool, held, masks, request, profile)
    ranking = rank(pool, passed, held, request, profile)
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


def _by_id(candidate: Candidate) -> str:
    return candidate.location.id


def _plan_cost(shipping: Sequence[Candidate], request: Request, profile: SourcingProfile) -> float:
    if not shipping:
        return 0.0
    parcels = sum(parcel_cost(c, request, profile) for c in shipping)
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
    ranking: Ranking,
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
        reasons.append(f"priority {loc.priority} ({kind(loc)})")
    return tuple(reasons)
