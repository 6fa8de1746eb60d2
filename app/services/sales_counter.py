"""Units sold per SKU and what sells together, counted in memory and written once a second.

Sales velocity is derived data (the order lines are the record). Counting it
inside each order's transaction would put one hot row per best seller on the
path that holds position locks; instead each replica sums what it sold and
flushes the sums in one upsert per interval. The same goes for the
co-purchase statistics recommendations learn from (orders per SKU, orders per
pair of SKUs, all orders). A crash loses at most one interval of counts, never
an order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Mapping

from app.services.uow import utc_now
from app.store import affinity, sales
from app.store.db import Database

log = logging.getLogger(__name__)


class _Counts:
    def __init__(self) -> None:
        self.orders = 0
        self.units: Counter[str] = Counter()
        self.per_sku: Counter[str] = Counter()
        self.pairs: Counter[tuple[str, str]] = Counter()

    def add(self, units: Mapping[str, int]) -> None:
        skus = sorted(units)
        self.orders += 1
        self.units.update(units)
        self.per_sku.update(skus)
        self.pairs.update((a, b) for a in skus for b in skus if a != b)

    def merge(self, other: _Counts) -> None:
        self.orders += other.orders
        self.units.update(other.units)
        self.per_sku.update(other.per_sku)
        self.pairs.update(other.pairs)


class SalesCounter:
    def __init__(self, db: Database, interval_seconds: float = 1.0) -> None:
        self._db = db
        self._interval = interval_seconds
        self._pending = _Counts()
        self._task: asyncio.Task[None] | None = None

    def add(self, units: Mapping[str, int]) -> None:
        """Count one order: units per SKU, the order for each SKU, and each pair of its SKUs."""
        self._pending.add(units)

    async def flush(self) -> None:
        if not self._pending.orders:
            return
        taken, self._pending = self._pending, _Counts()
        try:
            async with self._db.write() as conn:
                await sales.record_sales(conn, dict(taken.units), utc_now().date())
                await affinity.record_orders(conn, taken.orders, taken.per_sku, taken.pairs)
        except Exception:
            self._pending.merge(taken)  # try again next interval
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
