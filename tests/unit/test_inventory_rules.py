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
