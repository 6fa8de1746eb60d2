"""One leader for background work across replicas: a PostgreSQL session advisory lock.

The scheduler (escalations, hold sweeps, event retention, the outbox relay)
runs on the one replica that holds the lock. The lock lives on a dedicated
connection, outside the pool: it is held exactly as long as that session
lives, so a replica that dies (SIGKILL, a lost host) loses it the moment
PostgreSQL sees its socket close, and a follower takes it at its next try,
within one scheduler interval. Before every run of jobs the leader checks
that its session is still alive (fencing): a leader cut off from PostgreSQL
stops leading instead of working on beside its successor. The jobs themselves
stay guarded claims, so even that window cannot run one twice. SQLite is one
process: it always leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

LOCK_KEY = 0x0_5E_0A_1C_B6  # "one background leader" for this database (advisory locks are per database)
CHECK_TIMEOUT_SECONDS = 5.0


class Leadership:
    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self._dsn: str | None = None
        if url.get_backend_name() == "postgresql":
            self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._conn: Any = None
        self.leading = self._dsn is None  # SQLite: the only process
        self.since: float | None = time.time() if self.leading else None  # when it took the lead (Unix time)

    async def check(self) -> bool:
        """Lead if possible, and say whether this replica leads now (its lock session checked alive)."""
        if self._dsn is None:
            return True
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                if self._conn is None or self._conn.is_closed():
                    await self._drop()
                    self._conn = await asyncpg.connect(self._dsn)
                if self.leading:
                    await self._conn.fetchval("SELECT 1")
                else:
                    self.leading = bool(await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY))
                    if self.leading:
                        self.since = time.time()
                        log.info("this replica now runs background work")
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            if self.leading:
                log.warning("lost background leadership: %s", type(error).__name__)
            await self._drop()
        return self.leading

    def still_leading(self) -> bool:
        """Cheap check between full ones: the lock's session has not been seen to close."""
        if self._dsn is None:
            return True
        if self.leading and (self._conn is None or self._conn.is_closed()):
            self.leading, self.since = False, None
        return self.leading

    async def release(self) -> None:
        """Stop leading (shutdown, or the scheduler stopped): closing the session frees the lock at once."""
        await self._drop()
        self.leading = self._dsn is None

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if self._dsn is not None:
            self.leading, self.since = False, None
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 2)
            if not conn.is_closed():
                conn.terminate()
