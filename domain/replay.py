"""Replaying past orders under a sourcing profile, against stock as it stood when each was placed.

The stock an order saw is the inventory ledger up to just before it (each
position's last entry, minus the units of holds that were past their time
then), under the availability rules in force then. A profile that allocates
an order differently from what really happened changes the stock later orders
see: the difference (the plan's reservations minus the real ones, per
position) stays applied to the rest of the replay, so a profile that drains a
store early pays for it later in the same window. Nothing here reads or writes
anything: the caller hands in the history and takes the plans.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from domain import atp, geo, sourcing
from domain.ledger import Entry, HoldSpan
from domain.local_time import local_day
from domain.locations import FulfillmentMethod, Geo, Location
from domain.profiles import SourcingProfile


@dataclass(frozen=True, slots=True)
class PastOrder:
    """An order as it was placed: what it asked for, and where its units really came from."""

    order_id: str
    at: datetime
    channel: str
    market: str
    lines: tuple[sourcing.Line, ...]
    method: FulfillmentMethod
    destination: Geo | None
    pickup_location_id: str | None
    actual: tuple[tuple[str, str, int], ...]  # (location, sku, units) reserved when it was placed


@dataclass(slots=True)
class Timeline:
    """The ledger walked forward in time: each position's latest entry so far."""

    entries: Sequence[Entry]  # in the order written
    spans: dict[str, list[HoldSpan]]  # per SKU
    current: dict[str, dict[str, Entry]] = field(default_factory=dict)  # sku -> location -> entry
    cursor: int = 0

    def before(self, moment: datetime) -> None:
        """Apply every entry written strictly before `moment` (an order's own reservation is at its time)."""
        while self.cursor < len(self.entries) and self.entries[self.cursor].at < moment:
            entry = self.entries[self.cursor]
            self.current.setdefault(entry.sku, {})[entry.location_id] = entry
            self.cursor += 1

    def figures(self, sku: str, moment: datetime) -> list[tuple[str, int, int]]:
        """(location, on hand, reserved) of the SKU's positions at `moment`, lapsed holds' units subtracted."""
        lapsed: dict[str, int] = {}
        for span in self.spans.get(sku, ()):
            if span.lapsed_at(moment):
                lapsed[span.location_id] = lapsed.get(span.location_id, 0) + span.quantity
        current = self.current.get(sku, {})
        if not lapsed:
            return [(loc, e.on_hand, e.reserved) for loc, e in current.items()]
        return [(loc, e.on_hand, e.reserved - lapsed.get(loc, 0)) for loc, e in current.items()]


@dataclass(slots=True)
class RuleHistory:
    """Availability rules as they changed: (time, rule id, rule or None when deleted), oldest first."""

    versions: Sequence[tuple[datetime, str, atp.AvailabilityRule | None]]
    base: dict[str, atp.AvailabilityRule] = field(default_factory=dict)  # in force before the first version
    _times: list[datetime] = field(default_factory=list)
    _index: atp.RuleIndex | None = None
    _applied: int = -1

    def at(self, moment: datetime) -> atp.RuleIndex:
        if not self._times and self.versions:
            self._times = [v[0] for v in self.versions]
        upto = bisect_right(self._times, moment) if self.versions else 0
        if self._index is None or upto != self._applied:
            rules = dict(self.base)
            for _, rule_id, rule in self.versions[:upto]:
                if rule is None:
                    rules.pop(rule_id, None)
                else:
                    rules[rule_id] = rule
            self._index, self._applied = atp.RuleIndex(rules.values()), upto
        return self._index


@dataclass(slots=True)
class World:
    """What a replay knows besides the ledger: today's locations, the items' categories, performance."""

    locations: dict[str, Location]
    categories: dict[str, str]
    performance: dict[str, float]
    _winners: dict[tuple[int, str, str, str, str], dict[str, atp.AvailabilityRule]] = field(default_factory=dict)

    def winners(
        self, rules: atp.RuleIndex, order: PastOrder, location: Location, sku: str
    ) -> dict[str, atp.AvailabilityRule]:
        """The winning rules at a position for the order's channel and market, worked out once per rule set."""
        key = (id(rules), order.channel, order.market, location.id, sku)
        found = self._winners.get(key)
        if found is None:
            if len(self._winners) > 200_000:
                self._winners.clear()
            category = self.categories.get(sku)
            scope = atp.Scope(order.channel, order.market, location, sku, category)
            found = atp.winning_rules(rules.candidates(sku, category, order.channel, order.market), scope)
            self._winners[key] = found
        return found


@dataclass(frozen=True, slots=True)
class Seen:
    """What an order saw, shared by every lane: per position its figures and rules, per location its distance
    and local day."""

    stock: tuple[
        tuple[str, str, int, int, dict[str, atp.AvailabilityRule]], ...
    ]  # (location, sku, on_hand, reserved, rules)
    places: dict[str, tuple[float | None, str]]  # location -> (distance km, local day)
    pickup: str | None


def seen_by(order: PastOrder, timeline: Timeline, rules: atp.RuleIndex, world: World) -> Seen:
    stock = []
    places: dict[str, tuple[float | None, str]] = {}
    for line in order.lines:
        for loc, on_hand, reserved in timeline.figures(line.sku, order.at):
            location = world.locations.get(loc)
            if location is None:
                continue
            stock.append((loc, line.sku, on_hand, reserved, world.winners(rules, order, location, line.sku)))
    pickup = order.pickup_location_id if order.pickup_location_id in world.locations else None
    for loc in {x[0] for x in stock} | ({pickup} if pickup else set()):
        location = world.locations[loc]
        distance = geo.distance_km(order.destination, location.geo) if order.destination else None
        places[loc] = (distance, local_day(order.at, location.timezone))
    return Seen(tuple(stock), places, pickup)


@dataclass(slots=True)
class Lane:
    """One profile's replay so far: its reservations against the real ones, and each location's load per day."""

    profile: SourcingProfile
    shift: dict[tuple[str, str], int] = field(default_factory=dict)  # (location, sku) -> plan minus real units
    load: dict[tuple[str, str], int] = field(default_factory=dict)  # (location, local day) -> fulfillments

    def plan(self, order: PastOrder, seen: Seen, world: World) -> sourcing.Plan:
        per_location: dict[str, dict[str, int]] = {}
        shift = self.shift
        for loc, sku, on_hand, reserved, winners in seen.stock:
            shifted = max(0, reserved + shift.get((loc, sku), 0))
            # no rule at the position: what is free is promised (atp_under's answer, without its work)
            free = max(0, on_hand - shifted) if not winners else atp.atp_under(winners, on_hand, shifted)[0]
            per_location.setdefault(loc, {})[sku] = free
        if seen.pickup:
            per_location.setdefault(seen.pickup, {})
        candidates = [
            sourcing.Candidate(
                world.locations[loc],
                by_sku,
                seen.places[loc][0],
                self.load.get((loc, seen.places[loc][1]), 0),
                world.performance.get(loc, 1.0),
            )
            for loc, by_sku in sorted(per_location.items())
        ]
        request = sourcing.Request(order.lines, order.method, order.market, order.destination, order.pickup_location_id)
        found = sourcing.plan(candidates, request, self.profile)
        self._book(order, found, seen)
        return found

    def _book(self, order: PastOrder, found: sourcing.Plan, seen: Seen) -> None:
        for loc, sku, units in order.actual:
            self.shift[(loc, sku)] = self.shift.get((loc, sku), 0) - units
        for a in found.allocations:
            self.shift[(a.location_id, a.sku)] = self.shift.get((a.location_id, a.sku), 0) + a.quantity
        for loc in found.locations():
            day = seen.places[loc][1] if loc in seen.places else order.at.date().isoformat()
            self.load[(loc, day)] = self.load.get((loc, day), 0) + 1


def spans_by_sku(spans: Iterable[HoldSpan]) -> dict[str, list[HoldSpan]]:
    found: dict[str, list[HoldSpan]] = {}
    for span in spans:
        found.setdefault(span.sku, []).append(span)
    return found


def same_plan(a: sourcing.Plan, b: sourcing.Plan) -> bool:
    """Do two plans take the same units from the same places (their wording aside)?"""
    return sorted((x.location_id, x.sku, x.quantity) for x in a.allocations) == sorted(
        (x.location_id, x.sku, x.quantity) for x in b.allocations
    )
