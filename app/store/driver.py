"""Statements run straight on asyncpg, for the few on the hottest path (placeOrder on PostgreSQL).

SQLAlchemy Core costs a few hundred microseconds of CPU per statement on top
of asyncpg's own work (parameter processing, the execution context, the result
proxy, the greenlet hop); under contention that was a third of the server's
time per order. A `Precompiled` statement is still written as SQLAlchemy (so
it stays checked against the tables) but compiled once for asyncpg, and runs
on the command's own connection, inside its transaction, counted by the
engine's statement listeners like any other. Values go in as asyncpg takes
them: JSON as text, timestamps as aware datetimes.

With tracing on, each statement also gets its span from SQLAlchemy's
OpenTelemetry instrumentation: the engine's cursor events fire before and
after it, with an execution context to hold the span (ended with an error
status if the statement fails).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from app import tracing
from app.store.db import is_unavailable

_DIALECT = asyncpg_dialect.dialect()  # type: ignore[no-untyped-call]


class Precompiled:
    """A statement compiled once for asyncpg: its SQL, the names of its positional parameters
    and the values bound at construction (constants such as a version token's name)."""

    def __init__(self, statement: Any) -> None:
        compiled = statement.compile(dialect=_DIALECT)
        self.sql: str = compiled.string
        self.names: Sequence[str] = tuple(compiled.positiontup or ())
        self.bound: dict[str, Any] = {k: v for k, v in compiled.params.items() if v is not None}

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        bound = self.bound
        return [values[name] if name in values else bound[name] for name in self.names]


async def asyncpg_connection(conn: AsyncConnection, *, begin: bool = True) -> Any | None:
    """asyncpg's connection under `conn` (None on another driver), with the command's transaction begun
    unless `begin` is False: then a statement joins the transaction if one was begun, else runs alone
    (atomic by itself, committed when it returns).

    SQLAlchemy's asyncpg adapter sends BEGIN lazily, with the first statement
    it runs; a statement sent around it must start the transaction itself."""
    if conn.dialect.driver != "asyncpg":
        return None
    fairy = await conn.get_raw_connection()
    adapter: Any = fairy.dbapi_connection
    start = getattr(adapter, "_start_transaction", None)
    if start is None or not hasattr(adapter, "_transaction"):
        return None  # an adapter this module does not know: callers take the portable path
    if begin and adapter._transaction is None:
        await start()
    return fairy.driver_connection


class _Traced:
    """Stands for SQLAlchemy's execution context in the cursor events: the instrumentation keeps its span here."""

    __slots__ = ("_otel_span",)


def _before(conn: AsyncConnection, statement: Precompiled, arguments: list[Any]) -> _Traced | None:
    sync = conn.sync_connection
    if sync is None:
        return None
    traced = _Traced() if tracing.tracer() is not None else None
    sync.dispatch.before_cursor_execute(sync, None, statement.sql, arguments, traced, False)
    return traced


def _after(
    conn: AsyncConnection, statement: Precompiled, arguments: list[Any], traced: _Traced | None, error: Exception | None
) -> None:
    sync = conn.sync_connection
    if traced is None or sync is None:
        return
    if error is None:
        sync.dispatch.after_cursor_execute(sync, None, statement.sql, arguments, traced, False)
        return
    span = getattr(traced, "_otel_span", None)
    if span is not None:
        span.record_exception(error)
        span.set_status(tracing.error_status(error))
        span.end()


async def _discard_if_lost(conn: AsyncConnection, error: BaseException) -> None:
    """A statement sent around SQLAlchemy that lost its connection (or broke its protocol state) must not
    hand that connection back to the pool: invalidate it, as SQLAlchemy does for its own statements."""
    if is_unavailable(error) and not conn.invalidated:
        with contextlib.suppress(Exception):
            await conn.invalidate()


async def fetch(conn: AsyncConnection, driver: Any, statement: Precompiled, values: Mapping[str, Any]) -> list[Any]:
    """The rows of `statement` (asyncpg Records)."""
    arguments = statement.arguments(values)
    traced = _before(conn, statement, arguments)
    try:
        rows: list[Any] = await driver.fetch(statement.sql, *arguments)
    except Exception as error:
        _after(conn, statement, arguments, traced, error)
        await _discard_if_lost(conn, error)
        raise
    _after(conn, statement, arguments, traced, None)
    return rows


async def execute(conn: AsyncConnection, driver: Any, statement: Precompiled, values: Mapping[str, Any]) -> int:
    """Run `statement`; the number of rows it changed."""
    arguments = statement.arguments(values)
    traced = _before(conn, statement, arguments)
    try:
        status: str = await driver.execute(statement.sql, *arguments)
    except Exception as error:
        _after(conn, statement, arguments, traced, error)
        await _discard_if_lost(conn, error)
        raise
    _after(conn, statement, arguments, traced, None)
    return int(status.rsplit(" ", 1)[-1]) if status[-1:].isdigit() else 0
