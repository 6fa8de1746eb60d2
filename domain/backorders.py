"""Backorders: with `allowBackorder`, units beyond ATP are promised against inbound stock.

A line that sourcing cannot allocate whole is promised against a position's
`inbound` (earliest ETA first) if that inbound is not promised already: the
units beyond ATP count against the position's inbound, and a position's
inbound is never promised twice (the guarded claim is in the store). The order
then waits, BACKORDERED, like a pre-order: nothing is reserved until stock
arrives and the leader's release job allocates it whole, oldest first. Without
inbound to cover it the line is refused as today (INSUFFICIENT_STOCK).

A partial backorder holds what stock can give it now: the units its plan can
allocate at placement are reserved at once (held, not fulfilled), so the
promise by the inbound's ETA is not broken by other orders selling them while
it waits. Its allocation counts them as its own and nets them against its plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.errors import InsufficientStock, InvalidInput
from domain.inventory import Position
from domain.locations import Location
from domain.orders import OrderLine, OrderRequest

PREORDER = "PREORDER"
BACKORDER = "BACKORDER"


@dataclass(frozen=True, slots=True)
class Promise:
    """Units of a SKU promised against one position's inbound."""

    location_id: str
    sku: str
    units: int
    eta: datetime | None


def short_units(unallocated: Iterable[tuple[str, int]]) -> dict[str, int]:
    short: dict[str, int] = {}
    for sku, quantity in unallocated:
        short[sku] = short.get(sku, 0) + quantity
    return short


def eligible_locations(locations: Mapping[str, Location], request: OrderRequest) -> set[str]:
    """Where inbound may be promised for this order: active locations of its market offering its method
    (for a pickup, the pickup store alone)."""
    method, pickup = request.delivery.method, request.delivery.pickup_location_id
    return {
        loc.id
        for loc in locations.values()
        if loc.active and request.market in loc.markets and method in loc.capabilities and pickup in (None, loc.id)
    }


def inbound_candidates(found: Sequence[Position], units: int, where: set[str]) -> list[Position]:
    """Positions whose inbound could cover `units`, earliest ETA first (no ETA last), then by location."""
    eligible = [p for p in found if p.inbound >= units and p.location_id in where]
    return sorted(eligible, key=lambda p: (p.inbound_eta is None, p.inbound_eta or datetime.min, p.location_id))


def line_backorders(lines: Sequence[OrderLine], promises: Iterable[Promise]) -> dict[int, tuple[int, datetime | None]]:
    """Line number (1-based) -> (units backordered, promised by): a SKU's short units go to its last lines first."""
    found: dict[int, tuple[int, datetime | None]] = {}
    for promise in promises:
        left = promise.units
        for no in range(len(lines), 0, -1):
            if left and lines[no - 1].sku == promise.sku:
                take = min(left, lines[no - 1].quantity)
                found[no] = (take, promise.eta)
                left -= take
    return found


def check_request(pickup_slot: datetime | None) -> None:
    if pickup_slot is not None:
        raise InvalidInput("A backorder books no pickup slot: its day is not known", ("delivery", "pickupSlotStartsAt"))


def no_inbound(sku: str, units: int) -> InsufficientStock:
    return InsufficientStock(
        f"Not enough available to promise: {sku} x{units}, and no inbound stock left to backorder against",
        ("lines",),
        missing=[{"sku": sku, "quantity": units}],
    )


def held_units(takes: Iterable[tuple[str, str, int]]) -> dict[tuple[str, str], int]:
    """(location, sku) -> units the order holds in stock while it waits: its plan's allocations, per position."""
    held: dict[tuple[str, str], int] = {}
    for loc, sku, quantity in takes:
        held[(loc, sku)] = held.get((loc, sku), 0) + quantity
    return dict(sorted(held.items()))


def promised(promises: Sequence[Promise], held: Mapping[tuple[str, str], int] | None = None) -> str:
    """Which units wait for inbound (and by when), and which are held in stock where."""
    parts = [
        f"{p.units} x {p.sku} against inbound at {p.location_id}"
        + (f" (ETA {p.eta.isoformat()})" if p.eta else " (no ETA)")
        for p in promises
    ]
    kept = [f"{units} x {sku} at {loc}" for (loc, sku), units in sorted((held or {}).items())]
    holding = f"; held in stock: {', '.join(kept)}" if kept else ""
    return f"Backordered: {', '.join(parts)}{holding}; stock is allocated when it arrives"
