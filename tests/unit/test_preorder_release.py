"""When a pre-order item goes on general sale: at its release, or, with pre-orders, once they are served."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.preorders import unreleased

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_an_item_without_a_release_date_is_on_sale() -> None:
    assert not unreleased(None, NOW)


def test_before_its_release_it_is_not_on_sale_whatever_else() -> None:
    assert unreleased(NOW + HOUR, NOW)
    assert unreleased(NOW + HOUR, NOW, preordered=3, opened_at=NOW - HOUR)


def test_released_without_pre_orders_it_is_on_sale_at_once() -> None:
    assert not unreleased(NOW - HOUR, NOW)


def test_released_with_pre_orders_it_waits_for_the_run_that_serves_them() -> None:
    assert unreleased(NOW - HOUR, NOW, preordered=3)
    assert not unreleased(NOW - HOUR, NOW, preordered=3, opened_at=NOW - timedelta(minutes=59))


def test_a_past_moment_before_the_sale_opened_reads_as_not_on_sale() -> None:
    assert unreleased(NOW - HOUR, NOW - timedelta(minutes=30), preordered=3, opened_at=NOW)
