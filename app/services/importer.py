"""Use case: import a bulk inventory file (`oms import-inventory`).

1. Stream the file into staging (constant memory; COPY on PostgreSQL), each
   line validated alone, each staged row tagged with its SKU's sales velocity.
2. Apply the staged rows best sellers first (units ordered in the last 7 days),
   in batches, one transaction each, announcing the moved SKUs after each.

A crash or Ctrl-C loses nothing: applied batches are committed, and rerunning
the same file reaches the same end state (snapshots re-apply the same counts,
deltas are recognised by their event ids).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from app import feeds
from app.pubsub import Broker
from app.services.inventory import AVAILABILITY_TOPIC
from app.services.uow import UnitOfWork, utc_now
from app.store import catalog, imports, positions, sales
from app.store.db import Database
from domain import inventory, ledger
from domain.errors import DomainError
from domain.inventory import SyncMode

STAGE_CHUNK = 10_000
VELOCITY_WINDOW = timedelta(days=7)
MAX_REPORTED_ERRORS = 20


@dataclass(slots=True)
class ImportReport:
    import_id: str
    lines: int = 0
    rejected: int = 0
    applied: int = 0
    ignored_stale: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)
    applied_skus_in_order: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "lines": self.lines,
            "rejected": self.rejected,
            "applied": self.applied,
            "ignored_stale": self.ignored_stale,
            "duplicates": self.duplicates,
        }


Progress = Callable[[str, int, int], None]  # phase, done, total


async def import_inventory(
    db: Database,
    broker: Broker,
    *,
    path: Path,
    source: str,
    mode: SyncMode,
    fmt: str | None = None,
    batch: int = 20_000,
    progress: Progress | None = None,
) -> ImportReport:
    inventory.check_source(source)
    started = utc_now()
    job = _Import(db, broker, ImportReport(uuid.uuid4().hex), source, mode, batch, progress or _quiet, started)
    async with db.write() as conn:
        await imports.begin_import(conn, job.report.import_id, source, mode.value, str(path), started)
        known = {loc.id for loc in await catalog.all_locations(conn)}
        velocity = await sales.velocity(conn, (started - VELOCITY_WINDOW).date())
    await job.stage(feeds.read_lines(path, fmt), known, velocity)
    await job.apply()
    async with db.write() as conn:
        await imports.finish_import(conn, job.report.import_id, job.report.counts(), utc_now())
    return job.report


def _quiet(phase: str, done: int, total: int) -> None:
    return None


@dataclass(slots=True)
class _Import:
    db: Database
    broker: Broker
    report: ImportReport
    source: str
    mode: SyncMode
    size: int
    progress: Progress
    started: datetime
    with_inbound: bool = False
    without_inbound: bool = False

    async def stage(
        self, lines: Iterator[tuple[int, dict[str, Any]]], known: set[str], velocity: dict[str, int]
    ) -> None:
        while chunk := list(itertools.islice(lines, STAGE_CHUNK)):
            rows = [row for line_no, fields in chunk if (row := self._staged(line_no, fields, known, velocity))]
            async with self.db.write() as conn:
                await imports.stage(conn, rows)
            self.progress("staged", self.report.lines, 0)

    def _staged(
        self, line_no: int, fields: dict[str, Any], known: set[str], velocity: dict[str, int]
    ) -> tuple[Any, ...] | None:
        self.report.lines += 1
        try:
            update = feeds.to_update(fields)
            inventory.validate_update(update, self.mode, known, self.started)
        except DomainError as error:
            self._reject(line_no, error)
            return None
        if update.inbound is None:
            self.without_inbound = True
        else:
            self.with_inbound = True
        key = (self.report.import_id, line_no, -velocity.get(update.sku, 0), update.sku, update.location_id)
        return (*key, update.quantity, update.as_of, update.inbound, update.inbound_eta, update.event_id)

    def _reject(self, line_no: int, error: DomainError) -> None:
        self.report.rejected += 1
        if len(self.report.errors) < MAX_REPORTED_ERRORS:
            where = f" ({'.'.join(error.field)})" if error.field else ""
            self.report.errors.append(f"line {line_no}{where}: {error.message}")

    async def apply(self) -> None:
        """Batch after batch in velocity order, one transaction each."""
        staged = self.report.lines - self.report.rejected
        done = 0
        cursor: imports.Cursor | None = imports.START
        while cursor is not None:
            uow = UnitOfWork(self.db, self.broker)
            async with uow:
                upto = await imports.next_boundary(uow.conn, self.report.import_id, cursor, self.size)
                done += await self._apply_batch(uow, cursor, upto)
            self.progress("applied", done, staged)
            cursor = upto

    async def _apply_batch(self, uow: UnitOfWork, after: imports.Cursor, upto: imports.Cursor | None) -> int:
        batch = imports.Batch(self.report.import_id, after, upto)
        if self.mode is SyncMode.SNAPSHOT:
            # A batch that ends at a boundary holds exactly `size` rows; only the last one needs counting.
            count = self.size if upto is not None else await imports.batch_size(uow.conn, batch)
            written = await imports.apply_snapshot_batch(
                uow.conn, batch, self.source, uow.now, inbound=(self.without_inbound, self.with_inbound)
            )
            self.report.applied += len(written)
            self.report.ignored_stale += count - len(written)
        else:
            rows = await imports.batch_rows(uow.conn, batch)
            count = len(rows)
            written = await self._apply_delta_rows(uow, rows)
        skus = list(dict.fromkeys(written))
        self.report.applied_skus_in_order.extend(skus)
        if skus:
            uow.emit(AVAILABILITY_TOPIC, {"skus": skus})
            payload = {"source": self.source, "mode": self.mode.value, "applied": len(written), "skus": skus}
            await uow.record("inventory.changed", payload)
        return count

    async def _apply_delta_rows(self, uow: UnitOfWork, rows: list[Any]) -> list[str]:
        written: list[str] = []
        for row in rows:
            update = inventory.InventoryUpdate(
                row.sku, row.location_id, row.quantity, row.as_of, row.inbound, row.inbound_eta, row.event_id
            )
            if not await positions.record_event(uow.conn, update, self.source, uow.now):
                self.report.duplicates += 1
            elif await positions.apply_delta(
                uow.conn, update, self.source, uow.now, ledger.feed_why(SyncMode.DELTA, update, self.source)
            ):
                self.report.applied += 1
                written.append(row.sku)
            else:
                self.report.ignored_stale += 1
        return written
