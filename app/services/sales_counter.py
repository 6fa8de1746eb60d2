"""Units sold per SKU, counted in memory and written once a second.

Sales velocity is derived data (the order lines are the record). Counting it
inside each order's transaction would put one hot row per best seller on the
path that holds position locks; instead each replica sums what it sold and
flushes the sums in one upsert per interval. A crash loses at most one
interval of counts, never an order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Mapping

from app.services.uow import utc_now
from app.store import sales
from app.store.db import Database

log = logging.getLogger(__name__)


class SalesCounter:
    def __init__(self, db: Database, interval_seconds: float = 1.0) -> None:
        self._db = db
        self._interval = interval_seconds
        self._pending: Counter[str] = Counter()
        self._task: asyncio.Task[None] | None = None

    def add(self, units: Mapping[str, int]) -> None:
        self._pending.update(units)

    async def flush(self) -> None:
        if not self._pending:
            return
        taken, self._pending = self._pending, Counter()
        try:
            async with self._db.write() as conn:
                await sales.record_sales(conn, dict(taken), utc_now().date())
        except Exception:
            self._pending.update(taken)  # try again next interval
            raise

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.flush()
            except Exception:
                log.exception("could not write sales counts; keeping them for the next interval")

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="sales-counter")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self.flush()
