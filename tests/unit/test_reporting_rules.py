"""Operations reporting rules: store orders, split orders, exact medians, buckets and ranges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain import reporting
from domain.errors import InvalidInput
from domain.reporting import FulfillmentFacts, Granularity, OrderFacts, Tally

T0 = datetime(2026, 11, 25, 10, 20, tzinfo=UTC)  # a Wednesday


def shipped(order: str, location: str, *, ready_after: int, picked_in: int, short: int = 0) -> FulfillmentFacts:
    made = T0 + timedelta(minutes=5)
    return FulfillmentFacts(
        order,
        location,
        "SHIPPED",
        T0,
        2,
        short,
        made,
        made + timedelta(minutes=picked_in),
        T0 + timedelta(minutes=ready_after),
    )


def test_a_split_order_is_a_store_order_at_each_store_and_split_at_both() -> None:
    orders = [OrderFacts("o1", "web", T0, False), OrderFacts("o2", "web", T0, True)]
    parts = [
        shipped("o1", "s1", ready_after=30, picked_in=10),
        shipped("o1", "s2", ready_after=600, picked_in=4, short=1),
        FulfillmentFacts("o2", "s1", "CANCELLED", T0, 1),
    ]
    tallies = reporting.roll_up(orders, parts, {"s1": 4.0, "s2": 4.0})
    hour = T0.replace(minute=0)
    s1, s2 = tallies[("s1", hour, "web")], tallies[("s2", hour, "web")]
    assert s1.counts["orders"] == 2 and s1.counts["split"] == 1 and s1.counts["cancelled"] == 1
    assert (s1.counts["filled"], s1.counts["sla_met"]) == (1, 1)
    assert (s2.counts["filled"], s2.counts["short"], s2.counts["sla_met"]) == (0, 1, 0)  # 10 h > 4 h turnaround
    assert s2.minutes["READY"] == {600: 1} and s2.minutes["PICK"] == {4: 1}


def test_a_transfer_is_handed_over_by_its_source_and_is_no_split_for_the_customer() -> None:
    orders = [OrderFacts("o1", "web", T0, False)]
    made = T0 + timedelta(minutes=5)
    leg = FulfillmentFacts("o1", "w1", "IN_TRANSIT", T0, 2, 0, made, made, T0 + timedelta(minutes=60), leg=True)
    pickup = FulfillmentFacts("o1", "s1", "AWAITING_TRANSFER", T0, 2)
    tallies = reporting.roll_up(orders, [leg, pickup], {"w1": 4.0, "s1": 2.0})
    hour = T0.replace(minute=0)
    source, store = tallies[("w1", hour, "web")], tallies[("s1", hour, "web")]
    assert (source.counts["filled"], source.counts["sla_met"], source.counts["split"]) == (1, 1, 0)
    assert source.minutes["READY"] == {60: 1}
    assert (store.counts["filled"], store.counts["split"]) == (0, 0)  # its pickup still waits for the transfer


@pytest.mark.parametrize(
    ("histogram", "expected"),
    [
        ({}, None),
        ({7: 1}, 7.0),
        ({1: 1, 3: 1}, 2.0),
        ({1: 2, 9: 1}, 1.0),
        ({1: 1, 5: 2, 9: 1}, 5.0),
        ({2: 2, 4: 2}, 3.0),
    ],
)
def test_the_median_of_a_minute_histogram_is_exact(histogram: dict[int, int], expected: float | None) -> None:
    assert reporting.median(histogram) == expected


def test_medians_merge_across_hours_without_approximation() -> None:
    a, b = Tally(), Tally()
    a.minutes["PICK"].update({1: 1, 2: 1})
    b.minutes["PICK"].update({10: 1, 11: 1})
    a.add(b)
    assert reporting.median(a.minutes["PICK"]) == 6.0  # the median of 1, 2, 10, 11; not a median of medians


def test_buckets_are_utc_hours_days_and_monday_weeks_with_empty_ones_listed() -> None:
    assert reporting.bucket_start(T0, Granularity.WEEK) == datetime(2026, 11, 23, tzinfo=UTC)
    assert reporting.bucket_start(T0, Granularity.DAY) == datetime(2026, 11, 25, tzinfo=UTC)
    starts = reporting.bucket_starts(T0, T0 + timedelta(hours=3), Granularity.HOUR)
    assert [s.hour for s in starts] == [10, 11, 12, 13]
    empty = reporting.report(starts, {}, {}, {}, start=T0, granularity=Granularity.HOUR)
    assert empty.totals.orders == 0 and empty.totals.fill_rate == 0.0 and empty.totals.median_pick_minutes is None


def test_a_range_backwards_or_over_a_year_of_hours_is_refused() -> None:
    with pytest.raises(InvalidInput, match="before"):
        reporting.check_range(T0, T0 - timedelta(seconds=1), Granularity.DAY)
    reporting.check_range(T0, T0 + timedelta(days=366), Granularity.HOUR)
    with pytest.raises(InvalidInput, match="366 days"):
        reporting.check_range(T0, T0 + timedelta(days=366, seconds=1), Granularity.HOUR)
    reporting.check_range(T0, T0 + timedelta(days=1000), Granularity.WEEK)
