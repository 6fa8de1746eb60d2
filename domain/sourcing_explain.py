"""The explanation of a sourcing plan, written for the people who read it (customer service, store staff).

It says which profile routed the order and how many locations passed, where
each parcel ships from and why, the runners-up, locations that held the goods
but were filtered out (other markets and empty shelves are noise), and what
could not be allocated.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.profiles import SourcingProfile
from domain.sourcing_types import Candidate, Line, Request


def explain(
    profile: SourcingProfile,
    *,
    request: Request,
    ranked: Sequence[Candidate],
    shipping: Sequence[Candidate],
    failed: dict[str, list[str]],
    totals: dict[str, float],
    left: Sequence[Line],
    considered: int,
) -> tuple[str, ...]:
    lines = [
        f"Profile {profile.id!r} routed this {request.method.value} order: "
        f"{len(ranked)} of {considered} locations passed the filters."
    ]
    for c in shipping:
        lines.append(f"Ship from {c.location.id} ({c.location.name}): score {totals[c.location.id]:.2f}.")
    if len(shipping) > 1:
        lines.append(f"No single location holds everything: {len(shipping)} shipments, the fewest possible.")
    chosen = {c.location.id for c in shipping}
    runners = [c for c in ranked if c.location.id not in chosen][:2]
    best = max((totals[c.location.id] for c in shipping), default=0.0)
    for c in runners:
        lines.append(
            f"Not chosen: {c.location.id}: {why_not_chosen(c, request, totals[c.location.id], best, len(shipping))}."
        )
    # Worth a person's attention: locations that hold the goods for this market but were ruled out.
    other_market = f"does not serve {request.market}"
    rejected = [
        (loc_id, why)
        for loc_id, why in failed.items()
        if why and "none of the order in stock" not in why and other_market not in why
    ]
    for loc_id, why in rejected[:3]:
        lines.append(f"Filtered out: {loc_id}: {'; '.join(why)}.")
    for line in left:
        lines.append(f"Unallocated: {line.sku} x{line.quantity}: no eligible location has it.")
    return tuple(lines)


def why_not_chosen(candidate: Candidate, request: Request, total: float, best: float, shipments: int) -> str:
    """Why a location that passed every filter did not ship: the plan's own reason, not always its score."""
    missing = [line for line in request.lines if candidate.atp.get(line.sku, 0) < line.quantity]
    if total <= best:
        return f"lower score {total:.2f}"
    if missing and shipments == 1:
        short = ", ".join(f"{x.sku} x{x.quantity}" for x in missing[:3])
        return f"score {total:.2f}, but it cannot ship {short}, and one location can ship everything"
    if missing:
        return f"score {total:.2f}, but without {missing[0].sku} x{missing[0].quantity} it needs more shipments"
    return f"score {total:.2f}, but the plan with the fewest shipments does not include it"
