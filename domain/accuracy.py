"""Stock accuracy per location, from the inventory ledger, and the safety stock it suggests.

A check is a moment a position's believed on-hand met a count: a feed's
snapshot (the count replaces what the OMS believed) or a short pick (a picker
found fewer units than the books said). A check matches when the count equals
the belief; the location's score is the share of checks that matched. A
shortfall (counted below belief) is phantom stock: the OMS would have promised
units that were not there, which is what safety stock is for. Per location and
category the suggestion covers the shortfalls seen at about 95%: 1.65 standard
deviations, estimated as 1.25 x the mean shortfall per check (counting the
checks that matched as zero), rounded up; a category that sold nothing at the
location needs none. Deltas from feeds are movements the source reports, not
checks, and are left out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from domain.ledger import Cause, Entry

Z_95 = 1.65
MAD_TO_SIGMA = 1.25
CHECKS = (Cause.SYNC_SNAPSHOT.value, Cause.SHORT_PICK.value)


@dataclass(frozen=True, slots=True)
class Suggestion:
    category: str
    checks: int
    short_checks: int
    mean_shortfall: float
    units_per_day: float
    safety_stock: int
    explanation: str


@dataclass(frozen=True, slots=True)
class LocationAccuracy:
    location_id: str
    checks: int
    matched: int
    score: float  # matched / checks; 1.0 with no checks
    short_units: int  # counted below belief, summed
    over_units: int  # counted above belief, summed
    short_picks: int
    corrections: int  # snapshots that changed what the OMS believed
    suggestions: tuple[Suggestion, ...]


@dataclass(slots=True)
class _Tally:
    checks: int = 0
    matched: int = 0
    short_units: int = 0
    over_units: int = 0
    short_picks: int = 0
    corrections: int = 0
    shortfalls: dict[str, list[int]] = field(default_factory=dict)  # category -> shortfall per check
    sold: dict[str, int] = field(default_factory=dict)  # category -> units reserved by orders


def accuracy(
    entries: Iterable[Entry], categories: dict[str, str], days: float, *, opening: Iterable[Entry] = ()
) -> list[LocationAccuracy]:
    """Per location, from the window's entries in the order written (`opening`: each position's entry before)."""
    last: dict[tuple[str, str], Entry] = {(e.location_id, e.sku): e for e in opening}
    tallies: dict[str, _Tally] = {}
    for entry in entries:
        key = (entry.location_id, entry.sku)
        before = last.get(key)
        last[key] = entry
        tally = tallies.setdefault(entry.location_id, _Tally())
        category = categories.get(entry.sku, "(no category)")
        if before is None:
            continue
        if entry.cause == Cause.ORDER.value and entry.reserved > before.reserved:
            tally.sold[category] = tally.sold.get(category, 0) + entry.reserved - before.reserved
        if entry.cause in CHECKS:
            _check(tally, category, entry, before.on_hand - entry.on_hand)
    return [_result(loc, t, days) for loc, t in sorted(tallies.items()) if t.checks or t.sold]


def _check(tally: _Tally, category: str, entry: Entry, shortfall: int) -> None:
    tally.checks += 1
    tally.matched += int(shortfall == 0)
    tally.short_units += max(0, shortfall)
    tally.over_units += max(0, -shortfall)
    tally.short_picks += int(entry.cause == Cause.SHORT_PICK.value)
    tally.corrections += int(entry.cause == Cause.SYNC_SNAPSHOT.value and shortfall != 0)
    tally.shortfalls.setdefault(category, []).append(max(0, shortfall))


def _result(location_id: str, t: _Tally, days: float) -> LocationAccuracy:
    categories = sorted(set(t.shortfalls) | set(t.sold))
    return LocationAccuracy(
        location_id,
        t.checks,
        t.matched,
        t.matched / t.checks if t.checks else 1.0,
        t.short_units,
        t.over_units,
        t.short_picks,
        t.corrections,
        tuple(suggest(c, t.shortfalls.get(c, []), t.sold.get(c, 0), days) for c in categories),
    )


def suggest(category: str, shortfalls: list[int], sold: int, days: float) -> Suggestion:
    """The safety stock that covers the shortfalls seen at about 95%, explained."""
    per_day = sold / days if days > 0 else 0.0
    mean = sum(shortfalls) / len(shortfalls) if shortfalls else 0.0
    short = sum(1 for x in shortfalls if x > 0)
    if not shortfalls:
        units, why = 0, f"no count checked {category} here: nothing to go on"
    elif sold == 0:
        units, why = 0, f"{category} sold nothing here in the window: no promise to protect"
    else:
        units = math.ceil(Z_95 * MAD_TO_SIGMA * mean)
        why = (
            f"{len(shortfalls)} checks, {short} short (mean shortfall {mean:.2f} units per check); "
            f"sells {per_day:.2f} units/day; {Z_95} x {MAD_TO_SIGMA} x {mean:.2f} rounded up = {units}"
        )
    return Suggestion(category, len(shortfalls), short, round(mean, 3), round(per_day, 3), units, why)
