"""Feed validation and staleness (domain.inventory)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import InvalidInput
from domain.inventory import InventoryUpdate, SyncMode, check_batch_size, is_stale, validate_update

NOW = datetime(2026, 11, 20, 10, tzinfo=UTC)


def test_an_update_before_the_last_snapshot_is_stale_and_the_same_instant_is_not() -> None:
    assert is_stale(NOW - timedelta(seconds=1), NOW)
    assert not is_stale(NOW, NOW)
    assert not is_stale(NOW, None)


@pytest.mark.parametrize(
    ("update", "mode", "field"),
    [
        (InventoryUpdate("A", "nowhere", 1, NOW), SyncMode.SNAPSHOT, "locationId"),
        (InventoryUpdate("A", "s1", -1, NOW), SyncMode.SNAPSHOT, "quantity"),
        (InventoryUpdate("A", "s1", -1, NOW), SyncMode.DELTA, "eventId"),
        (InventoryUpdate("A", "s1", 1, NOW.replace(tzinfo=None)), SyncMode.SNAPSHOT, "asOf"),
        (InventoryUpdate(" ", "s1", 1, NOW), SyncMode.SNAPSHOT, "sku"),
        (InventoryUpdate("A", "s1", 1, NOW, inbound=-2), SyncMode.SNAPSHOT, "inbound"),
    ],
)
def test_invalid_updates_name_the_field(update: InventoryUpdate, mode: SyncMode, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_update(update, mode, {"s1"})
    assert raised.value.field == (field,)


def test_a_negative_delta_with_an_event_id_is_valid() -> None:
    validate_update(InventoryUpdate("A", "s1", -3, NOW, event_id="sale-9"), SyncMode.DELTA, {"s1"})


def test_batches_above_5000_are_refused() -> None:
    check_batch_size(5000)
    with pytest.raises(InvalidInput):
        check_batch_size(5001)


def test_units_are_bounded_and_a_count_from_the_future_is_refused() -> None:
    from domain.inventory import MAX_UNITS

    with pytest.raises(InvalidInput, match="at most"):
        validate_update(InventoryUpdate("A", "s1", MAX_UNITS + 1, NOW), SyncMode.SNAPSHOT, {"s1"})
    with pytest.raises(InvalidInput, match="inbound"):
        validate_update(InventoryUpdate("A", "s1", 1, NOW, inbound=MAX_UNITS + 1), SyncMode.SNAPSHOT, {"s1"})
    ahead = InventoryUpdate("A", "s1", 5, NOW + timedelta(days=3))
    with pytest.raises(InvalidInput, match="future"):
        validate_update(ahead, SyncMode.SNAPSHOT, {"s1"}, now=NOW)
    validate_update(InventoryUpdate("A", "s1", 5, NOW + timedelta(minutes=4)), SyncMode.SNAPSHOT, {"s1"}, now=NOW)
