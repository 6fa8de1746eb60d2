"""Short picks: units a store could not pick, and what a decision on them does.

NOT_FOUND and DAMAGED mean the books were wrong: those units leave on-hand.
Declared short units still count on the fulfillment until a supervisor
decides: REROUTE and PARTIAL ship what was picked (REROUTE also sources the
rest elsewhere); CANCEL_LINE ships nothing of those SKUs from here and puts
their picked units back. A fulfillment left with nothing to ship is cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from domain.pick_lists import LineState

PHANTOM_REASONS = frozenset({"NOT_FOUND", "DAMAGED"})  # the units are not sellable: on-hand is corrected


def corrects_on_hand(reason: str | None) -> bool:
    return reason in PHANTOM_REASONS


def reduced(quantities: Mapping[str, int], by: Mapping[str, int]) -> dict[str, int]:
    """The fulfillment's new quantities for the SKUs `by` names: units that will not ship from here."""
    return {sku: max(quantities.get(sku, 0) - units, 0) for sku, units in by.items()}


def picked_units(lines: Iterable[LineState]) -> dict[str, int]:
    found: dict[str, int] = {}
    for line in lines:
        found[line.sku] = found.get(line.sku, 0) + line.picked
    return found


def pending_shorts(lines: Sequence[LineState], quantities: Mapping[str, int]) -> dict[str, int]:
    """Units declared short that the fulfillment still counts (a decision brings it down to what was picked)."""
    picked = picked_units(lines)
    short: dict[str, int] = {}
    for line in lines:
        short[line.sku] = short.get(line.sku, 0) + line.short
    return {
        sku: n for sku, units in short.items() if (n := min(units, quantities.get(sku, 0) - picked.get(sku, 0))) > 0
    }


@dataclass(frozen=True, slots=True)
class Resolution:
    """A supervisor's decision on short units: the fulfillment's new quantities, and picked units put back."""

    quantities: dict[str, int]
    put_back: dict[str, int]


def resolve_shorts(outcome: str, quantities: Mapping[str, int], lines: Sequence[LineState]) -> Resolution:
    """REROUTE and PARTIAL ship what was picked (REROUTE also sources the rest elsewhere); CANCEL_LINE ships
    nothing of those SKUs from here and puts their picked units back on the shelf."""
    pending = pending_shorts(lines, quantities)
    if outcome != "CANCEL_LINE":
        return Resolution(reduced(quantities, pending), {})
    picked = picked_units(lines)
    return Resolution(dict.fromkeys(pending, 0), {sku: picked[sku] for sku in sorted(pending) if picked.get(sku)})


def nothing_left(quantities: Mapping[str, int]) -> bool:
    """A fulfillment whose every unit went elsewhere or was dropped is cancelled."""
    return sum(quantities.values()) == 0
