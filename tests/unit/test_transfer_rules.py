"""Ship-to-store transfer rules: who may send, when it is ready, how the order's status reads, receiving."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain import orders, sourcing, transfers
from domain.errors import InvalidInput, InvalidTransition
from domain.locations import FulfillmentMethod, Geo, Location, LocationType
from domain.orders import FulfillmentStatus as F
from domain.orders import OrderStatus as O
from domain.profiles import SourcingProfile

NOW = datetime(2026, 11, 20, 10, tzinfo=UTC)
PICKUP, SHIP = FulfillmentMethod.PICKUP, FulfillmentMethod.SHIP
STORE = Location("s1", "Store", LocationType.STORE, ("US",), Geo(40.7, -74.0), (PICKUP, SHIP), turnaround_hours=2)
NEAR = Location("w1", "Near", LocationType.WAREHOUSE, ("US",), Geo(39.95, -75.16), (SHIP,))
FAR = Location("w2", "Far", LocationType.WAREHOUSE, ("US",), Geo(34.05, -118.24), (SHIP,), turnaround_hours=1)
ALLOWING = SourcingProfile("default", allow_transfers=True)
REQUEST = sourcing.Request((sourcing.Line("A", 2),), PICKUP, "US", None, "s1")


def found(profile: SourcingProfile = ALLOWING, *candidates: sourcing.Candidate) -> transfers.Transfer | None:
    pool = list(candidates) or [sourcing.Candidate(NEAR, {"A": 5}), sourcing.Candidate(FAR, {"A": 5})]
    own = sourcing.plan([sourcing.Candidate(STORE, {})], REQUEST, profile)
    return transfers.find(pool, REQUEST, profile, STORE, own)


def test_a_profile_allows_transfers_only_when_it_says_so() -> None:
    assert SourcingProfile("default").allow_transfers is False
    assert found(SourcingProfile("default")) is None


def test_the_nearest_location_holding_everything_sends_it_and_its_timing_adds_transit_and_both_turnarounds() -> None:
    transfer = found()
    assert transfer is not None and transfer.source.id == "w1"
    assert transfer.ready_by(NOW) == NOW + timedelta(hours=4 + 24 + 2)
    far = found(ALLOWING, sourcing.Candidate(FAR, {"A": 5}))
    assert far is not None and far.ready_by(NOW) == NOW + timedelta(hours=1 + 24 * 5 + 2)  # 3,936 km: five days


def test_one_location_sends_the_whole_cart_or_there_is_no_transfer() -> None:
    assert found(ALLOWING, sourcing.Candidate(NEAR, {"A": 1}), sourcing.Candidate(FAR, {"A": 1})) is None


def test_a_store_that_serves_the_cart_itself_needs_no_transfer() -> None:
    own = sourcing.plan([sourcing.Candidate(STORE, {"A": 5})], REQUEST, ALLOWING)
    assert transfers.find([sourcing.Candidate(NEAR, {"A": 5})], REQUEST, ALLOWING, STORE, own) is None


def test_the_explanation_says_why_the_store_could_not_and_why_others_do_not_send() -> None:
    closed = replace(NEAR, active=False)
    transfer = found(ALLOWING, sourcing.Candidate(closed, {"A": 5}), sourcing.Candidate(FAR, {"A": 5}))
    assert transfer is not None and transfer.source.id == "w2"
    text = "\n".join(transfer.plan.explanation)
    assert "the store cannot serve A x2 from its own shelf" in text
    assert "Filtered out: w1: inactive." in text
    assert "Transfer from w2 to s1: 3,936 km, 5 day(s) in transit" in text


def test_the_order_reads_in_fulfillment_while_the_leg_travels_and_only_the_pickup_counts_after() -> None:
    assert orders.derive_status([F.AWAITING_PICK, F.AWAITING_TRANSFER]) is O.ALLOCATED
    assert orders.derive_status([F.PICKING, F.AWAITING_TRANSFER]) is O.IN_FULFILLMENT
    assert orders.derive_status([F.IN_TRANSIT, F.AWAITING_TRANSFER]) is O.IN_FULFILLMENT
    assert orders.derive_status([F.RECEIVED, F.READY_FOR_COLLECTION]) is O.IN_FULFILLMENT
    assert orders.derive_status([F.RECEIVED, F.COLLECTED]) is O.FULFILLED
    assert orders.derive_status([F.IN_TRANSIT, F.CANCELLED]) is O.CANCELLED


def test_receiving_is_news_once_and_only_after_shipping() -> None:
    assert transfers.receivable("ful_1", F.IN_TRANSIT) is True
    assert transfers.receivable("ful_1", F.RECEIVED) is False
    for early in (F.AWAITING_PICK, F.PICKED, F.PACKED, F.CANCELLED):
        with pytest.raises(InvalidTransition):
            transfers.receivable("ful_1", early)
    with pytest.raises(InvalidInput, match="not a pickup waiting for a transfer"):
        transfers.check_pickup("ful_1", None)
    assert transfers.check_pickup("ful_1", "w1") == "w1"
