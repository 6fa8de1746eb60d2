"""A command PostgreSQL aborted for a lock conflict (deadlock, serialization failure) is run again from a fresh
read, like one whose guarded claim lost a race; any other error is the caller's as before."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError

from app.services import checkout
from app.store.db import is_conflict
from domain.errors import InsufficientStock


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

    assert await checkout.retried(deadlocks_once, doing="placing", kept="nothing kept", field=("lines",)) == "placed"
    assert len(calls) == 2

    async def always() -> str:
        raise asyncpg.exceptions.DeadlockDetectedError("deadlock detected")

    with pytest.raises(InsufficientStock):
        await checkout.retried(always, doing="placing", kept="nothing kept", field=("lines",))

    async def other() -> str:
        raise RuntimeError("a bug stays a bug")

    with pytest.raises(RuntimeError):
        await checkout.retried(other, doing="placing", kept="nothing kept", field=("lines",))
