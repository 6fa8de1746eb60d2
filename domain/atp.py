"""Available to promise: what can be sold of a SKU, where, on which channel.

On-hand minus reserved is not what a retailer wants to show. Availability
rules hold stock back or hide it, scoped by channel, market, location type,
location, category and SKU (a null scope field matches everything):

- For each effect (`safety_stock`, `buffer_percent`, `max_exposed`, `exclude`)
  the most specific matching rule that sets it wins. Specificity ranks the
  product scope first (sku over category), then the location scope (location
  over location type), then channel, then market; a tie goes to the rule
  changed last (its `revision`).
- held = max(safety stock, ceil(on-hand x buffer percent / 100)).
- atp = 0 when excluded, else min(max exposed, max(0, on-hand - reserved - held)).
- Only active locations serving the market count; the SKU's availability is
  the sum over them.

`appliedRules` names the rules that decided the number, so every figure a
shopper sees can be explained.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from domain.errors import InvalidInput
from domain.inventory import Position
from domain.locations import Location, LocationType

EFFECTS = ("safety_stock", "buffer_percent", "max_exposed", "exclude")


@dataclass(frozen=True, slots=True)
class AvailabilityRule:
    id: str
    revision: int = 0
    channel: str | None = None
    market: str | None = None
    location_type: LocationType | None = None
    location_id: str | None = None
    category: str | None = None
    sku: str | None = None
    safety_stock: int | None = None
    buffer_percent: float | None = None
    max_exposed: int | None = None
    exclude: bool | None = None

    def specificity(self) -> tuple[int, int, int, int, int]:
        product = 2 if self.sku is not None else 1 if self.category is not None else 0
        place = 2 if self.location_id is not None else 1 if self.location_type is not None else 0
        return (product, place, int(self.channel is not None), int(self.market is not None), self.revision)


@dataclass(frozen=True, slots=True)
class Scope:
    """The request a rule is matched against, for one SKU at one location."""

    channel: str
    market: str
    location: Location
    sku: str
    category: str | None


def matches(rule: AvailabilityRule, scope: Scope) -> bool:
    return (
        _eq(rule.channel, scope.channel)
        and _eq(rule.market, scope.market)
        and _eq(rule.location_type, scope.location.type)
        and _eq(rule.location_id, scope.location.id)
        and _eq(rule.category, scope.category)
        and _eq(rule.sku, scope.sku)
    )


def _eq(rule_value: object, actual: object) -> bool:
    return rule_value is None or rule_value == actual


@dataclass(frozen=True, slots=True)
class LocationAtp:
    location: Location
    sku: str
    atp: int
    on_hand: int
    reserved: int
    held: int
    inbound: int
    applied_rules: tuple[str, ...] = ()
    inbound_eta: datetime | None = None


@dataclass(frozen=True, slots=True)
class SkuAvailability:
    sku: str
    channel: str
    market: str
    locations: tuple[LocationAtp, ...] = field(default=())

    @property
    def atp(self) -> int:
        return sum(loc.atp for loc in self.locations)

    @property
    def on_hand(self) -> int:
        return sum(loc.on_hand for loc in self.locations)

    @property
    def reserved(self) -> int:
        return sum(loc.reserved for loc in self.locations)

    @property
    def inbound(self) -> int:
        return sum(loc.inbound for loc in self.locations)


def winning_rules(rules: Iterable[AvailabilityRule], scope: Scope) -> dict[str, AvailabilityRule]:
    """For each effect, the most specific matching rule that sets it."""
    winners: dict[str, AvailabilityRule] = {}
    for rule in rules:
        if not matches(rule, scope):
            continue
        for effect in EFFECTS:
            if getattr(rule, effect) is None:
                continue
            best = winners.get(effect)
            if best is None or rule.specificity() > best.specificity():
                winners[effect] = rule
    return winners


def atp_under(winners: dict[str, AvailabilityRule], on_hand: int, reserved: int) -> tuple[int, int]:
    """(atp, held) of a position's figures under the winning rules of each effect."""
    safety = winners["safety_stock"].safety_stock if "safety_stock" in winners else 0
    percent = winners["buffer_percent"].buffer_percent if "buffer_percent" in winners else 0.0
    cap = winners["max_exposed"].max_exposed if "max_exposed" in winners else None
    excluded = bool(winners["exclude"].exclude) if "exclude" in winners else False
    held = max(safety or 0, math.ceil(max(on_hand, 0) * (percent or 0.0) / 100))
    free = max(0, on_hand - reserved - held)
    return (0 if excluded else free if cap is None else min(cap, free)), held


def location_atp(position: Position, scope: Scope, rules: Iterable[AvailabilityRule]) -> LocationAtp:
    """ATP of one position under the rules that apply to it."""
    winners = winning_rules(rules, scope)
    atp, held = atp_under(winners, position.on_hand, position.reserved)
    applied = tuple(dict.fromkeys(rule.id for rule in winners.values()))
    return LocationAtp(
        scope.location,
        position.sku,
        atp,
        position.on_hand,
        position.reserved,
        held,
        position.inbound,
        applied,
        position.inbound_eta,
    )


def availability(
    sku: str,
    channel: str,
    market: str,
    *,
    positions: Sequence[Position],
    locations: dict[str, Location],
    category: str | None,
    rules: Sequence[AvailabilityRule] = (),
) -> SkuAvailability:
    """Availability of one SKU: every counted location's ATP and their sum."""
    per_location = []
    for position in positions:
        location = locations.get(position.location_id)
        if location is None or not location.serves(market):
            continue
        scope = Scope(channel, market, location, sku, category)
        per_location.append(location_atp(position, scope, rules))
    per_location.sort(key=lambda loc: (-loc.atp, loc.location.id))
    return SkuAvailability(sku, channel, market, tuple(per_location))


class RuleIndex:
    """Rules indexed by their product scope, so a SKU's candidates are found without a scan."""

    def __init__(self, rules: Iterable[AvailabilityRule] = ()) -> None:
        self.by_sku: dict[str, list[AvailabilityRule]] = {}
        self.by_category: dict[str, list[AvailabilityRule]] = {}
        self.wide: list[AvailabilityRule] = []
        for rule in rules:
            if rule.sku is not None:
                self.by_sku.setdefault(rule.sku, []).append(rule)
            elif rule.category is not None:
                self.by_category.setdefault(rule.category, []).append(rule)
            else:
                self.wide.append(rule)

    def candidates(self, sku: str, category: str | None, channel: str, market: str) -> list[AvailabilityRule]:
        """Rules that may match this SKU in this channel and market (location scope is checked later)."""
        pool = [*self.by_sku.get(sku, ()), *self.by_category.get(category or "", ()), *self.wide]
        return [r for r in pool if _eq(r.channel, channel) and _eq(r.market, market)]


def validate_rule(rule: AvailabilityRule) -> AvailabilityRule:
    if all(getattr(rule, effect) is None for effect in EFFECTS):
        raise InvalidInput("A rule needs at least one effect: safetyStock, bufferPercent, maxExposed or exclude", ())
    if rule.safety_stock is not None and rule.safety_stock < 0:
        raise InvalidInput("safetyStock cannot be negative", ("safetyStock",))
    if rule.buffer_percent is not None and not (0.0 <= rule.buffer_percent <= 100.0):
        raise InvalidInput("bufferPercent is a percentage from 0 to 100", ("bufferPercent",))
    if rule.max_exposed is not None and rule.max_exposed < 0:
        raise InvalidInput("maxExposed cannot be negative", ("maxExposed",))
    return rule
