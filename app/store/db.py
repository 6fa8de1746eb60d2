"""The database handle: one async engine, short transactions, statement counts.

Writes go through `db.write()`: one transaction per command. On SQLite the
transaction starts with `BEGIN IMMEDIATE`, so two writers queue on the busy
timeout instead of failing half-way on a lock upgrade; reads start a plain
deferred transaction and never block writers (WAL mode).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from app.logs import request_id

SQLITE_BUSY_TIMEOUT_MS = 30_000


_LOST_CONNECTION = (
    asyncpg.PostgresConnectionError,  # ConnectionDoesNotExistError, ConnectionFailureError, ...
    asyncpg.InterfaceError,  # "connection is closed", "connection was closed in the middle of operation"
    asyncpg.CannotConnectNowError,  # the server is starting or shutting down
    asyncpg.AdminShutdownError,  # pg_terminate_backend, a fast shutdown
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InternalClientError,  # "cannot switch to state": the protocol, cut mid-statement (a retry is safe)
    OSError,  # ConnectionRefusedError, ConnectionResetError, an unreachable host
    TimeoutError,  # a connect or statement that did not answer in time
    exc.TimeoutError,  # no pooled connection came free in time
)
DATABASE_MISSING = "3D000"


def is_unavailable(error: BaseException | None) -> bool:
    """A transient failure to reach the database (a lost or refused connection, a timeout): the command did
    not happen, or happened under its idempotency key, so the caller may retry with the same key."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, _LOST_CONNECTION):
            return True
        if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
            return True
        if getattr(error, "sqlstate", None) == DATABASE_MISSING:  # at connect: not created yet, or being restored
            return True
        # a rollback that failed on the lost connection raises its own error, the loss as its context
        error = getattr(error, "orig", None) or error.__cause__ or error.__context__
    return False


CONFLICTS = frozenset({"40P01", "40001"})  # deadlock detected, serialization failure: the transaction rolled back


def is_conflict(error: BaseException | None) -> bool:
    """PostgreSQL aborted the transaction for a lock conflict (a deadlock between two commands locking rows
    in different orders, a serialization failure): nothing of it was kept, and running it again is safe."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if getattr(error, "sqlstate", None) in CONFLICTS or getattr(error, "pgcode", None) in CONFLICTS:
            return True
        error = getattr(error, "orig", None) or error.__cause__ or error.__context__
    return False


class StatementCounter:
    """Counts SQL statements sent to the database, in all and per request id (tests assert on it).

    The request id is the contextvar the HTTP middleware sets; background jobs
    (the relay, the sales counter) run without one, so a request's count is
    exactly the statements run on its behalf, dataloader batches included.
    """

    KEEP = 1000  # request ids remembered

    def __init__(self) -> None:
        self.count = 0
        self.by_request: dict[str, int] = {}

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            return
        self.count += 1
        rid = request_id.get()
        if rid is not None:
            if rid not in self.by_request and len(self.by_request) >= self.KEEP:
                self.by_request.pop(next(iter(self.by_request)))
            self.by_request[rid] = self.by_request.get(rid, 0) + 1


class Database:
    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.engine: AsyncEngine = _create_engine(url, pool_size=pool_size, echo=echo)
        self.statements = StatementCounter()
        event.listen(self.engine.sync_engine, "before_cursor_execute", self.statements)
        self._writer = self.engine.execution_options(oms_write=True)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction: commits on success, rolls back on any error."""
        async with self._writer.begin() as conn:
            yield conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def _create_engine(url: str, *, pool_size: int, echo: bool) -> AsyncEngine:
    if not url.startswith("sqlite"):
        engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False, echo=echo)
        event.listen(engine.sync_engine, "handle_error", _discard_lost)
        return engine
    _ensure_sqlite_directory(url)
    engine = create_async_engine(url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
    event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
    return engine


def _discard_lost(context: Any) -> None:
    """A connection cut mid-statement (its protocol state broken: "cannot switch to state") is not one
    SQLAlchemy recognises as disconnected; returned to the pool it would fail every command that draws it.
    Treat every transient loss as a disconnect, so the connection is thrown away."""
    if not context.is_disconnect and is_unavailable(context.original_exception):
        context.is_disconnect = True


def _ensure_sqlite_directory(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        directory = os.path.dirname(os.path.abspath(database))
        os.makedirs(directory, exist_ok=True)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    write = conn.get_execution_options().get("oms_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
