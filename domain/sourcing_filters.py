"""Sourcing's hard filters: the locations that cannot take an order at all.

A location is ruled out when it is excluded for this order, inactive, not
serving the order's market, lacking the delivery method, of a type the profile
does not allow, beyond the profile's distance, over its daily capacity (when
the profile respects capacity), or holding none of the cart. Each failure is
said in words, so the plan can tell a person why.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.locations import Location
from domain.profiles import SourcingProfile
from domain.sourcing_types import Candidate, Line, Request

Held = list[tuple[int, int]]  # (line index, ATP > 0), in line order


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
        found.append(f"{kind(loc)} not allowed by profile {profile.id}")
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


def kind(location: Location) -> str:
    return location.type.value.lower().replace("_", " ")


def stock_held(candidates: Sequence[Candidate], lines: Sequence[Line]) -> tuple[list[Held], list[int]]:
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


def apply_filters(
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
