"""Unit of work: one transaction per command, events published after commit."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncConnection

from app.pubsub import Broker, Message
from app.store import outbox
from app.store.db import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_event_id() -> str:
    return f"evt_{uuid.uuid4().hex[:24]}"


class UnitOfWork:
    """`async with uow:` opens the write transaction; leaving it commits.

    Any exception rolls everything back and drops the pending events, so a
    command is applied whole or not at all, and nobody hears of a change that
    did not happen. On PostgreSQL the transaction begins with the first
    statement SQLAlchemy sends; a command whose writes are a single statement
    sent straight to asyncpg (placeOrder, see `app.store.placing`) needs none,
    and seals the unit of work so that nothing can follow it unnoticed.
    """

    def __init__(
        self,
        db: Database,
        broker: Broker,
        clock: Callable[[], datetime] = utc_now,
        on_recorded: Callable[[], None] | None = None,
    ) -> None:
        self._db = db
        self._broker = broker
        self._clock = clock
        self._on_recorded = on_recorded
        self._recorded = False
        self._events: list[tuple[str, Message]] = []
        self._tx: Any = None
        self.conn: AsyncConnection
        self.now: datetime

    async def __aenter__(self) -> UnitOfWork:
        self._events = []
        self._recorded = False
        self.now = self._clock()
        self._tx = self._db.write()
        self.conn = await self._tx.__aenter__()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._tx.__aexit__(exc_type, exc, tb)
        if exc_type is None:
            for topic, message in self._events:
                await self._broker.publish(topic, message)
            if self._recorded and self._on_recorded is not None:
                self._on_recorded()  # wake the outbox relay: deliver now, not at the next tick
        self._events = []

    async def record(self, event_type: str, payload: dict[str, Any]) -> str:
        """Write an event to the outbox, in this transaction: it is delivered if and only if this commits."""
        event_id = new_event_id()
        await outbox.add_event(self.conn, event_id, event_type, payload, self.now)
        self._recorded = True
        return event_id

    def mark_recorded(self) -> None:
        """Wake the relay after commit (something other than a new event made deliveries due)."""
        self._recorded = True

    def seal(self, why: str) -> None:
        """No statement may follow: the command's writes ran as one statement outside a transaction,
        so a later write would not be atomic with them. Using the connection now raises `why`."""
        self.conn = cast(AsyncConnection, _Sealed(why))

    def emit(self, topic: str, message: Message) -> None:
        """Queue a pub/sub message for after the commit."""
        self._events.append((topic, message))


class _Sealed:
    """Stands in for a sealed unit of work's connection: any use is a programming error, said loudly."""

    def __init__(self, why: str) -> None:
        self._why = why

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(self._why)
