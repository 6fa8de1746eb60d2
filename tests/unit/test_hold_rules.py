"""Checkout hold rules: time limits, expiry as a fact of time, ownership, matching the order to the hold."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain import holds
from domain.errors import Forbidden, HoldExpired, InvalidInput, InvalidTransition
from domain.holds import Hold, HoldRequest, HoldStatus
from domain.locations import FulfillmentMethod, Geo
from domain.orders import Customer, Delivery, OrderLine, OrderRequest
from domain.sourcing import Line

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
SHIP = Delivery(FulfillmentMethod.SHIP, geo=Geo(40.7, -74.0))


def _hold(**changes: object) -> Hold:
    base = Hold(
        id="hold_1",
        status=HoldStatus.ACTIVE,
        owner="token:t1",
        channel="web",
        market="US",
        lines=(Line("A", 2), Line("B", 1)),
        delivery=SHIP,
        plan={},
        capacity_days={},
        expires_at=NOW + timedelta(minutes=15),
        created_at=NOW,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _order(lines: tuple[OrderLine, ...], delivery: Delivery = SHIP) -> OrderRequest:
    return OrderRequest("k", "web", "US", Customer("c"), lines, delivery, checkout_hold_id="hold_1")


def test_ttl_is_60_to_3600_seconds() -> None:
    for ttl in (60, 900, 3600):
        holds.check_ttl(ttl, ("ttlSeconds",))
    for ttl in (0, 59, 3601, 10_000, -5):
        with pytest.raises(InvalidInput):
            holds.check_ttl(ttl, ("ttlSeconds",))


def test_a_hold_past_its_time_reads_expired_before_any_sweeper() -> None:
    hold = _hold()
    assert hold.status_at(NOW) is HoldStatus.ACTIVE
    assert hold.status_at(hold.expires_at) is HoldStatus.EXPIRED
    with pytest.raises(HoldExpired):
        holds.check_live(hold, hold.expires_at + timedelta(seconds=1))
    with pytest.raises(InvalidTransition):
        holds.check_live(_hold(status=HoldStatus.CONVERTED), NOW)


def test_extending_never_shortens_and_an_expired_hold_is_not_extended() -> None:
    hold = _hold(expires_at=NOW + timedelta(minutes=50))
    assert holds.extended_until(hold, 60, NOW) == hold.expires_at
    assert holds.extended_until(hold, 3600, NOW) == NOW + timedelta(hours=1)
    with pytest.raises(HoldExpired):
        holds.extended_until(_hold(expires_at=NOW - timedelta(seconds=1)), 600, NOW)


def test_only_the_creator_or_staff_use_a_hold() -> None:
    holds.may_use(_hold(), "token:t1", staff=False)
    holds.may_use(_hold(), "admin", staff=True)
    with pytest.raises(Forbidden):
        holds.may_use(_hold(), "token:t2", staff=False)


def test_the_order_must_ask_for_exactly_the_held_cart_and_delivery() -> None:
    same = (OrderLine("B", 1, 3.0), OrderLine("A", 1, 1.0), OrderLine("A", 1, 1.0))  # merged and reordered
    holds.check_matches(_hold(), _order(same))
    with pytest.raises(InvalidInput, match="lines"):
        holds.check_matches(_hold(), _order((OrderLine("A", 2, 1.0),)))
    elsewhere = Delivery(FulfillmentMethod.SHIP, geo=Geo(41.0, -74.0))
    with pytest.raises(InvalidInput, match="delivery"):
        holds.check_matches(_hold(), _order(same, elsewhere))


def test_a_looked_up_centre_is_not_part_of_what_was_asked() -> None:
    asked = Delivery(FulfillmentMethod.SHIP, postal_code="10001", country="US")
    looked_up = replace(asked, geo=Geo(40.75, -73.99), geo_from_postal_code=True)
    moved = replace(looked_up, geo=Geo(40.76, -73.98))
    assert looked_up.as_asked() == moved.as_asked()
    request = HoldRequest("k", "web", "US", (Line("A", 1),), looked_up)
    assert request.fingerprint() == replace(request, delivery=moved).fingerprint()
    assert request.fingerprint() != replace(request, ttl_seconds=60).fingerprint()
