"""Pickup slots: the grid in local opening hours, lead time and turnaround, DST days, slot_at's refusals."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest

from domain import slots
from domain.errors import InvalidInput, SlotFull
from domain.slots import Slot, SlotPolicy

NY = "America/New_York"
POLICY = SlotPolicy("s1", time(9, 0), time(12, 0), 60, 3)
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def hours(found: list[Slot]) -> list[tuple[str, str]]:
    return [(s.starts_at.strftime("%H:%M"), s.ends_at.strftime("%H:%M")) for s in found]


def test_a_day_is_cut_into_whole_slots_and_a_last_partial_one_is_dropped() -> None:
    policy = SlotPolicy("s1", time(9, 0), time(11, 40), 45, 3)
    found = slots.day_slots(policy, None, date(2026, 6, 1))
    assert hours(found) == [("09:00", "09:45"), ("09:45", "10:30"), ("10:30", "11:15")]
    assert all(s.starts_at.tzinfo is not None and s.starts_at.utcoffset() == timedelta(0) for s in found)


def test_slots_follow_the_local_clock_of_the_store() -> None:
    found = slots.day_slots(POLICY, NY, date(2026, 6, 1))  # EDT, UTC-4
    assert [s.starts_at for s in found] == [utc(2026, 6, 1, 13), utc(2026, 6, 1, 14), utc(2026, 6, 1, 15)]
    assert found[-1].ends_at == utc(2026, 6, 1, 16)


def test_a_listing_spans_local_days_and_keeps_slots_starting_in_the_window() -> None:
    found = slots.slots_between(POLICY, NY, utc(2026, 6, 1, 14), utc(2026, 6, 2, 14), LONG_AGO)
    assert [s.starts_at for s in found] == [utc(2026, 6, 1, 14), utc(2026, 6, 1, 15), utc(2026, 6, 2, 13)]


def test_a_listing_window_reaching_past_midnight_utc_finds_the_stores_evening_slots() -> None:
    late = SlotPolicy("s1", time(20, 0), time(23, 0), 60, 1)  # 20:00 New York is 00:00 UTC the next day
    found = slots.slots_between(late, NY, utc(2026, 6, 2, 0), utc(2026, 6, 2, 3), LONG_AGO)
    assert [s.starts_at for s in found] == [utc(2026, 6, 2, 0), utc(2026, 6, 2, 1), utc(2026, 6, 2, 2)]


def test_the_earliest_slot_waits_for_turnaround_and_lead_time() -> None:
    policy = SlotPolicy("s1", time(9, 0), time(17, 0), 30, 3, lead_minutes=45)
    now = utc(2026, 6, 1, 9, 10)
    earliest = slots.earliest_start(now, policy, turnaround_hours=2.0)
    assert earliest == utc(2026, 6, 1, 11, 55)
    found = slots.slots_between(policy, None, utc(2026, 6, 1), utc(2026, 6, 2), earliest)
    assert found[0].starts_at == utc(2026, 6, 1, 12, 0) and len(found) == 10


def test_spring_forward_skips_the_slot_whose_start_the_clock_jumps_over() -> None:
    night = SlotPolicy("s1", time(0, 0), time(5, 0), 60, 1)
    found = slots.day_slots(night, NY, date(2026, 3, 8))  # 02:00 EST becomes 03:00 EDT
    assert hours(found) == [("05:00", "06:00"), ("06:00", "07:00"), ("07:00", "08:00"), ("08:00", "09:00")]
    offset = SlotPolicy("s1", time(0, 30), time(4, 30), 60, 1)
    assert hours(slots.day_slots(offset, NY, date(2026, 3, 8))) == [
        ("05:30", "06:30"),
        ("06:30", "07:30"),  # 01:30 EST to the clock's 02:30 (= 03:30 EDT): one real hour
        ("07:30", "08:30"),
    ]


def test_fall_back_keeps_one_slot_for_the_repeated_hour_and_never_overlaps() -> None:
    night = SlotPolicy("s1", time(0, 0), time(5, 0), 60, 1)
    found = slots.day_slots(night, NY, date(2026, 11, 1))  # 02:00 EDT becomes 01:00 EST
    assert hours(found) == [
        ("04:00", "05:00"),
        ("05:00", "07:00"),
        ("07:00", "08:00"),
        ("08:00", "09:00"),
        ("09:00", "10:00"),
    ]
    assert all(a.ends_at == b.starts_at for a, b in itertools.pairwise(found))


def test_a_day_store_sees_the_offset_change_across_the_dst_weekend() -> None:
    before = slots.day_slots(POLICY, NY, date(2026, 3, 7))[0].starts_at
    after = slots.day_slots(POLICY, NY, date(2026, 3, 8))[0].starts_at
    assert (before.hour, after.hour) == (14, 13)


def test_slot_at_finds_the_slot_on_the_grid() -> None:
    assert slots.slot_at(POLICY, NY, utc(2026, 6, 1, 14), LONG_AGO) == Slot(utc(2026, 6, 1, 14), utc(2026, 6, 1, 15))


@pytest.mark.parametrize("at", [utc(2026, 6, 1, 12), utc(2026, 6, 1, 16), utc(2026, 6, 1, 23)])
def test_slot_at_outside_opening_hours_is_slot_full(at: datetime) -> None:
    with pytest.raises(SlotFull, match="outside opening hours") as caught:
        slots.slot_at(POLICY, NY, at, LONG_AGO)
    assert caught.value.field == ("delivery", "pickupSlotStartsAt")


def test_slot_at_before_the_earliest_is_too_soon() -> None:
    with pytest.raises(SlotFull, match="too soon: the earliest slot starts at"):
        slots.slot_at(POLICY, NY, utc(2026, 6, 1, 13), earliest=utc(2026, 6, 1, 13, 30))


def test_slot_at_off_the_grid_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as caught:
        slots.slot_at(POLICY, NY, utc(2026, 6, 1, 13, 20), LONG_AGO)
    assert not isinstance(caught.value, SlotFull)
    assert caught.value.field == ("delivery", "pickupSlotStartsAt")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"closes_at": time(9, 0)}, "closesAt"),
        ({"closes_at": time(8, 0)}, "closesAt"),
        ({"slot_minutes": 0}, "slotMinutes"),
        ({"slot_minutes": 481}, "slotMinutes"),
        ({"capacity_per_slot": 0}, "capacityPerSlot"),
        ({"capacity_per_slot": 10_001}, "capacityPerSlot"),
        ({"lead_minutes": -1}, "leadMinutes"),
        ({"lead_minutes": 10_081}, "leadMinutes"),
        ({"location_id": " "}, "locationId"),
    ],
)
def test_a_bad_policy_names_its_field(changes: dict[str, object], field: str) -> None:
    fields = {f: getattr(POLICY, f) for f in POLICY.__slots__} | changes
    with pytest.raises(InvalidInput) as caught:
        slots.validate_policy(SlotPolicy(**fields))  # type: ignore[arg-type]
    assert caught.value.field == ("input", field)


def test_the_listing_window_is_forward_and_bounded() -> None:
    slots.check_range(utc(2026, 6, 1), utc(2026, 7, 2))  # 31 days
    with pytest.raises(InvalidInput):
        slots.check_range(utc(2026, 6, 2), utc(2026, 6, 1))
    with pytest.raises(InvalidInput):
        slots.check_range(utc(2026, 6, 1), utc(2026, 7, 2, 0, 1))


def test_the_next_free_slot_skips_full_ones() -> None:
    earliest = utc(2026, 6, 1, 12)
    booked = {utc(2026, 6, 1, 13): 3, utc(2026, 6, 1, 14): 5}
    found = slots.next_free(POLICY, NY, earliest, booked)
    assert found is not None and found.slot.starts_at == utc(2026, 6, 1, 15) and found.booked == 0
    everything = {
        s.starts_at: 3 for s in slots.slots_between(POLICY, NY, earliest, slots.lookahead(earliest), earliest)
    }
    assert slots.next_free(POLICY, NY, earliest, everything) is None
