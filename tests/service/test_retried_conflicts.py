"""A command PostgreSQL aborted for a lock conflict (deadlock, serialization failure) is run again from a fresh
read, like one whose guarded claim lost a race; any other error is the caller's as before."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError

from app.services import checkout
from app.store.db import is_conflict
from domain.errors import CapacityExhausted, InsufficientStock, SlotFull


async def nothing_lapsed() -> int:
    return 0


AS_PLACING: dict[str, Any] = {
    "make_room": nothing_lapsed,
    "doing": "placing",
    "kept": "nothing kept",
    "field": ("lines",),
}


def wrapped(error: Exception) -> DBAPIError:
    """As SQLAlchemy raises it: the driver's error as `orig`."""
    return DBAPIError("UPDATE positions ...", {}, error)


def test_deadlocks_and_serialization_failures_are_conflicts_and_other_errors_are_not() -> None:
    assert is_conflict(asyncpg.exceptions.DeadlockDetectedError("deadlock detected"))  # the asyncpg fast path
    assert is_conflict(wrapped(asyncpg.exceptions.SerializationError("could not serialize access")))
    assert not is_conflict(wrapped(asyncpg.exceptions.UniqueViolationError("duplicate key")))
    assert not is_conflict(RuntimeError("boom"))


async def test_a_conflict_is_tried_again_and_a_lasting_one_is_said_in_words() -> None:
    calls: list[int] = []

    async def deadlocks_once() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise wrapped(asyncpg.exceptions.DeadlockDetectedError("deadlock detected"))
        return "placed"

    assert await checkout.retried(deadlocks_once, **AS_PLACING) == "placed"
    assert len(calls) == 2

    async def always() -> str:
        raise asyncpg.exceptions.DeadlockDetectedError("deadlock detected")

    with pytest.raises(InsufficientStock):
        await checkout.retried(always, **AS_PLACING)

    async def other() -> str:
        raise RuntimeError("a bug stays a bug")

    with pytest.raises(RuntimeError):
        await checkout.retried(other, **AS_PLACING)


async def test_lapsed_holds_are_ended_before_a_retry_and_a_slot_full_of_live_bookings_is_said_at_once() -> None:
    ended: list[int] = []

    async def one_lapsed_then_none() -> int:
        ended.append(1)
        return 1 if len(ended) == 1 else 0

    attempts: list[int] = []

    async def slot_full_until_room_is_made() -> str:
        attempts.append(1)
        if not ended:
            raise checkout.StockMoved(slot=True)
        return "booked"

    as_booking = AS_PLACING | {"make_room": one_lapsed_then_none}
    assert await checkout.retried(slot_full_until_room_is_made, **as_booking) == "booked"
    assert (len(attempts), len(ended)) == (2, 1)

    async def slot_full() -> str:
        attempts.append(1)
        raise checkout.StockMoved(slot=True)

    attempts.clear()
    with pytest.raises(SlotFull):  # nothing lapsed: full of live bookings, no retry
        await checkout.retried(slot_full, **as_booking)
    assert len(attempts) == 1

    async def capacity_full() -> str:
        raise checkout.StockMoved(capacity=True)

    with pytest.raises(CapacityExhausted):
        await checkout.retried(capacity_full, **AS_PLACING)
