"""The decision lab's pure parts: stock at a moment from the ledger, replaying orders, the KPIs, the window."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain import ledger, replay, simulation, sourcing
from domain.atp import AvailabilityRule
from domain.errors import InvalidInput
from domain.ledger import Entry, HoldSpan
from domain.locations import FulfillmentMethod, Geo, Location, LocationType
from domain.profiles import DEFAULT_PROFILE

T0 = datetime(2026, 11, 1, 10, tzinfo=UTC)
HOME = Geo(40.71, -74.0)


def loc(loc_id: str, lat: float, capacity: int | None = None) -> Location:
    ship = (FulfillmentMethod.SHIP,)
    return Location(loc_id, loc_id, LocationType.STORE, ("US",), Geo(lat, -74.0), ship, daily_capacity=capacity)


def entry(minutes: int, location: str, on_hand: int, reserved: int = 0, sku: str = "A") -> Entry:
    return Entry(T0 + timedelta(minutes=minutes), sku, location, "sync_snapshot", None, on_hand, reserved, 0, None)


def order(n: int, minutes: int, actual: tuple[tuple[str, str, int], ...], quantity: int = 2) -> replay.PastOrder:
    return replay.PastOrder(
        f"o{n}",
        T0 + timedelta(minutes=minutes),
        "web",
        "US",
        (sourcing.Line("A", quantity),),
        FulfillmentMethod.SHIP,
        HOME,
        None,
        actual,
    )


def test_stock_at_a_moment_is_each_positions_last_entry_minus_holds_lapsed_then() -> None:
    entries = [entry(0, "s1", 10), entry(5, "s1", 10, reserved=3), entry(9, "s1", 7, reserved=3)]
    hold = HoldSpan("A", "s1", 2, T0, T0 + timedelta(minutes=8), T0 + timedelta(minutes=4))
    at = ledger.positions_at(entries, [hold], T0 + timedelta(minutes=6))
    assert [(p.on_hand, p.reserved) for p in at] == [(10, 1)]  # lapsed at 4, ended at 8: subtracted at 6
    at = ledger.positions_at(entries, [hold], T0 + timedelta(minutes=9))
    assert [(p.on_hand, p.reserved) for p in at] == [(7, 3)]
    assert ledger.positions_at(entries, [hold], T0 - timedelta(seconds=1)) == []


def test_a_lane_that_allocates_elsewhere_carries_the_difference_to_later_orders() -> None:
    near, far = loc("near", 40.72), loc("far", 41.9)
    world = replay.World({"near": near, "far": far}, {"A": "c"}, {})
    timeline = replay.Timeline([entry(0, "near", 3), entry(0, "far", 10)], {})
    rules = replay.RuleHistory([])
    lane = replay.Lane(DEFAULT_PROFILE)
    # in reality the first order took 2 from far; the lane takes them from near, so near has 1 left after it
    first = order(1, 1, (("far", "A", 2),))
    timeline.before(first.at)
    plan = lane.plan(first, replay.seen_by(first, timeline, rules.at(first.at), world), world)
    assert [(a.location_id, a.quantity) for a in plan.allocations] == [("near", 2)]
    second = order(2, 2, (("far", "A", 2),))
    timeline.before(second.at)
    seen = replay.seen_by(second, timeline, rules.at(second.at), world)
    plan = lane.plan(second, seen, world)
    assert [(a.location_id, a.quantity) for a in plan.allocations] == [("far", 2)]
    assert lane.shift == {("far", "A"): -2, ("near", "A"): 2}


def test_rules_are_those_in_force_at_each_order() -> None:
    rule = AvailabilityRule("r1", sku="A", safety_stock=3)
    history = replay.RuleHistory([(T0 + timedelta(minutes=5), "r1", rule), (T0 + timedelta(minutes=9), "r1", None)])
    assert history.at(T0).candidates("A", None, "web", "US") == []
    assert history.at(T0 + timedelta(minutes=6)).candidates("A", None, "web", "US") == [rule]
    assert history.at(T0 + timedelta(minutes=10)).candidates("A", None, "web", "US") == []


def test_kpis_count_split_orders_distance_and_days_over_capacity() -> None:
    near = loc("near", 40.72, capacity=1)
    tally = simulation.Tally()
    split = sourcing.Plan("p", (sourcing.Allocation("near", "A", 1), sourcing.Allocation("far", "A", 1)), (), 5.0, ())
    short = sourcing.Plan("p", (sourcing.Allocation("near", "A", 1),), (sourcing.Line("A", 1),), 2.0, ())
    tally.add(order(1, 1, ()), split, {"near": near})
    tally.add(order(2, 2, ()), short, {"near": near})
    found = simulation.kpis(tally, {("near", "2026-11-01"): 2}, {"near": near})
    assert (found.orders_fully_served, found.unallocated_units, found.shipments) == (1, 1, 3)
    assert found.split_rate == 0.5 and found.estimated_cost == 7.0
    assert [(x.location_id, x.fulfillments, x.units, x.days_over_capacity) for x in found.per_location] == [
        ("far", 1, 1, 0),
        ("near", 2, 2, 1),
    ]
    assert simulation.Tally.from_json(tally.to_json()) == tally  # a checkpoint keeps it whole
    assert simulation.kpis_from_json(simulation.kpis_to_json(found)) == replace(found)


def test_a_window_is_at_most_92_days_and_from_before_to() -> None:
    simulation.check_window(T0, T0 + timedelta(days=92))
    with pytest.raises(InvalidInput, match="over 92 days"):
        simulation.check_window(T0, T0 + timedelta(days=92, seconds=1))
    with pytest.raises(InvalidInput, match="after"):
        simulation.check_window(T0, T0 - timedelta(seconds=1))
