"""Pre-order rules: which carts are pre-orders, the limit's message, a waiting order's derived status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain import orders, preorders
from domain.errors import InsufficientStock, InvalidInput
from domain.locations import FulfillmentMethod, Geo
from domain.orders import Customer, Delivery, OrderLine, OrderRequest, OrderStatus

NOW = datetime(2026, 12, 1, tzinfo=UTC)
ITEM = preorders.PreorderItem("A", NOW + timedelta(days=3), 10, 8)


def request(*skus: str, slot: datetime | None = None) -> OrderRequest:
    method = FulfillmentMethod.PICKUP if slot else FulfillmentMethod.SHIP
    delivery = Delivery(method, "s1" if slot else None, None if slot else Geo(40.0, -74.0), pickup_slot_starts_at=slot)
    lines = tuple(OrderLine(sku, 1, 1.0) for sku in skus)
    return OrderRequest("k", "web", "US", Customer("c"), lines, delivery)


def test_an_item_is_unreleased_only_before_its_release_date() -> None:
    assert preorders.unreleased(NOW + timedelta(seconds=1), NOW)
    assert not preorders.unreleased(NOW, NOW) and not preorders.unreleased(None, NOW)


def test_a_pre_order_cart_sums_its_units_and_refuses_released_items_and_slots() -> None:
    assert preorders.check_request(request("A", "A"), {"A": ITEM}) == {"A": 2}
    with pytest.raises(InvalidInput) as mixed:
        preorders.check_request(request("A", "N"), {"A": ITEM})
    assert mixed.value.field == ("lines", "1", "sku")
    with pytest.raises(InvalidInput):
        preorders.check_request(request("A", slot=NOW), {"A": ITEM})


def test_the_limit_error_names_the_limit_and_what_is_left() -> None:
    error = preorders.limit_reached(ITEM, 3, 0)
    assert isinstance(error, InsufficientStock) and "limited to 10 units; 2 left, 3 asked" in error.message
    assert preorders.PreorderItem("A", NOW, None, 50).remaining is None


def test_a_waiting_pre_order_stays_backordered_and_a_cancelled_one_is_cancelled() -> None:
    assert orders.derive_status([], waiting=True) is OrderStatus.BACKORDERED
    assert orders.derive_status([]) is OrderStatus.CANCELLED
    assert orders.order_transition(OrderStatus.BACKORDERED, OrderStatus.ALLOCATED) is OrderStatus.ALLOCATED
    assert orders.can_cancel(OrderStatus.BACKORDERED)
