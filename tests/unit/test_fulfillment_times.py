"""The ETA model of domain.fulfillment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain import fulfillment
from domain.fulfillment import Shortfall
from domain.locations import FulfillmentMethod, Geo, Location, LocationType

NOW = datetime(2026, 11, 26, 9, tzinfo=UTC)
STORE = Location("s", "S", LocationType.STORE, ("US",), Geo(0, 0), (FulfillmentMethod.PICKUP,), turnaround_hours=2.0)


def test_ship_takes_a_day_per_started_800_km() -> None:
    assert fulfillment.transit_hours(FulfillmentMethod.SHIP, 10) == 24
    assert fulfillment.transit_hours(FulfillmentMethod.SHIP, 801) == 48
    assert fulfillment.shipment_eta_hours(FulfillmentMethod.SHIP, STORE, 1700) == 2 + 72


def test_same_day_is_a_courier_within_50_km() -> None:
    assert fulfillment.transit_hours(FulfillmentMethod.SAME_DAY, 30) == 2.0
    assert fulfillment.same_day_reachable(50) and not fulfillment.same_day_reachable(51)


def test_pickup_waits_for_inbound_stock_or_is_impossible() -> None:
    eta = NOW + timedelta(days=2)
    assert fulfillment.pickup_ready_by(NOW, STORE, []) == NOW + timedelta(hours=2)
    assert fulfillment.pickup_ready_by(NOW, STORE, [Shortfall("A", 2, 5, eta)]) == eta + timedelta(hours=2)
    assert fulfillment.pickup_ready_by(NOW, STORE, [Shortfall("A", 2, 1, eta)]) is None
    assert fulfillment.pickup_ready_by(NOW, STORE, [Shortfall("A", 2, 5, None)]) is None


def test_a_plan_is_as_late_as_its_slowest_parcel_and_a_split_must_be_sooner() -> None:
    far = Location("w", "W", LocationType.WAREHOUSE, ("US",), Geo(0, 0), (FulfillmentMethod.SHIP,), turnaround_hours=24)
    assert fulfillment.plan_eta_hours(FulfillmentMethod.SHIP, [(STORE, 10), (far, 900)]) == 24 + 48
    assert fulfillment.split_is_sooner(72, 26, 2) and not fulfillment.split_is_sooner(26, 26, 2)
    assert not fulfillment.split_is_sooner(72, 26, 1)
