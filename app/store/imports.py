"""Bulk import staging: stream rows in, apply them in velocity order, batch by batch.

Snapshots apply set-based: each batch is one `INSERT ... SELECT ... ON CONFLICT
DO UPDATE ... WHERE` from the staging rows (the latest row per position within
the batch), with the same staleness guard as `positions.apply_snapshot`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.tables.inventory import inventory_import_rows, inventory_imports
from app.store.types import UtcDateTime

STAGED_COLUMNS = (
    "import_id",
    "line_no",
    "priority",
    "sku",
    "location_id",
    "quantity",
    "as_of",
    "inbound",
    "inbound_eta",
    "event_id",
)
Cursor = tuple[int, str, str, int]
START: Cursor = (-(2**31), "", "", -1)


async def begin_import(  # noqa: PLR0917 - the import record's own fields
    conn: AsyncConnection, import_id: str, source: str, mode: str, file: str, now: datetime
) -> None:
    """Record the import; staging rows of earlier imports that never finished are dropped."""
    unfinished = select(inventory_imports.c.id).where(inventory_imports.c.status != "done")
    await conn.execute(delete(inventory_import_rows).where(inventory_import_rows.c.import_id.in_(unfinished)))
    await conn.execute(update(inventory_imports).where(inventory_imports.c.status != "done").values(status="abandoned"))
    await conn.execute(
        inventory_imports.insert().values(
            id=import_id, source=source, mode=mode, file=file[:500], status="staging", started_at=now
        )
    )


async def stage(conn: AsyncConnection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Append staging rows (tuples in STAGED_COLUMNS order); COPY on PostgreSQL."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        raw = await conn.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            "inventory_import_rows", records=rows, columns=list(STAGED_COLUMNS)
        )
        return
    await conn.execute(inventory_import_rows.insert(), [dict(zip(STAGED_COLUMNS, row, strict=True)) for row in rows])


def _order() -> Any:
    c = inventory_import_rows.c
    return tuple_(c.priority, c.sku, c.location_id, c.line_no)


async def next_boundary(conn: AsyncConnection, import_id: str, after: Cursor, size: int) -> Cursor | None:
    """The key of the last row of the next batch, or None when fewer than `size` rows remain."""
    c = inventory_import_rows.c
    query = (
        select(c.priority, c.sku, c.location_id, c.line_no)
        .where(c.import_id == import_id, _order() > tuple_(*after))
        .order_by(c.priority, c.sku, c.location_id, c.line_no)
        .offset(size - 1)
        .limit(1)
    )
    row = (await conn.execute(query)).first()
    return (row[0], row[1], row[2], row[3]) if row else None


@dataclass(frozen=True, slots=True)
class Batch:
    """The staged rows after `after` up to and including `upto` (None: to the end)."""

    import_id: str
    after: Cursor
    upto: Cursor | None


def _in_batch(batch: Batch) -> Any:
    c = inventory_import_rows.c
    conditions = [c.import_id == batch.import_id, _order() > tuple_(*batch.after)]
    if batch.upto is not None:
        conditions.append(_order() <= tuple_(*batch.upto))
    return and_(*conditions)


async def batch_size(conn: AsyncConnection, batch: Batch) -> int:
    query = select(func.count()).select_from(inventory_import_rows).where(_in_batch(batch))
    return int((await conn.execute(query)).scalar_one())


async def batch_rows(conn: AsyncConnection, batch: Batch) -> list[Any]:
    c = inventory_import_rows.c
    query = select(inventory_import_rows).where(_in_batch(batch)).order_by(c.priority, c.sku, c.location_id, c.line_no)
    return list(await conn.execute(query))


_APPLY_SNAPSHOTS = """
WITH batch AS (
  SELECT sku, location_id, quantity, as_of, inbound, inbound_eta, line_no FROM inventory_import_rows
  WHERE import_id = :import_id
    AND (priority, sku, location_id, line_no) > (:a_priority, :a_sku, :a_location, :a_line)
    {upto}
), latest AS (
  SELECT batch.*, ROW_NUMBER() OVER (PARTITION BY sku, location_id ORDER BY as_of DESC, line_no DESC) AS rn
  FROM batch
)
INSERT INTO positions
  (sku, location_id, on_hand, reserved, inbound, inbound_eta, snapshot_as_of, last_synced_at, last_source, updated_at,
   ledger_cause, ledger_ref)
SELECT sku, location_id, quantity, 0, COALESCE(inbound, 0), inbound_eta, as_of, as_of, :source, :now,
       'sync_snapshot', :import_id
FROM latest WHERE rn = 1 AND inbound IS {inbound_null}
ON CONFLICT (sku, location_id) DO UPDATE SET
  on_hand = excluded.on_hand, snapshot_as_of = excluded.snapshot_as_of,
  last_synced_at = excluded.last_synced_at, last_source = excluded.last_source, updated_at = excluded.updated_at,
  ledger_cause = excluded.ledger_cause, ledger_ref = excluded.ledger_ref
  {inbound_set}
WHERE positions.snapshot_as_of IS NULL OR positions.snapshot_as_of <= excluded.snapshot_as_of
RETURNING sku
"""
_UPTO = "AND (priority, sku, location_id, line_no) <= (:u_priority, :u_sku, :u_location, :u_line)"
_INBOUND_SET = ", inbound = excluded.inbound, inbound_eta = excluded.inbound_eta"


async def apply_snapshot_batch(
    conn: AsyncConnection, batch: Batch, source: str, now: datetime, *, inbound: tuple[bool, bool] = (True, True)
) -> list[str]:
    """Apply one batch of staged snapshots; returns the SKU of each position written.

    `inbound` says whether the file has rows without and rows with an inbound
    figure; a pass for a kind the file lacks is skipped.
    """
    upto = batch.upto
    params: dict[str, Any] = {"import_id": batch.import_id, "source": source, "now": now}
    params.update(zip(("a_priority", "a_sku", "a_location", "a_line"), batch.after, strict=True))
    if upto is not None:
        params.update(zip(("u_priority", "u_sku", "u_location", "u_line"), upto, strict=True))
    written: list[str] = []
    passes = [(present, sql) for present, sql in zip(inbound, (("NULL", ""), ("NOT NULL", _INBOUND_SET)), strict=True)]
    for inbound_null, inbound_set in (kind for present, kind in passes if present):
        sql = _APPLY_SNAPSHOTS.format(
            upto=_UPTO if upto is not None else "", inbound_null=inbound_null, inbound_set=inbound_set
        )
        stmt = text(sql).bindparams(bindparam("now", type_=UtcDateTime))
        written.extend((await conn.execute(stmt, params)).scalars())
    return written


async def finish_import(conn: AsyncConnection, import_id: str, counts: dict[str, int], now: datetime) -> None:
    await conn.execute(delete(inventory_import_rows).where(inventory_import_rows.c.import_id == import_id))
    await conn.execute(
        update(inventory_imports)
        .where(inventory_imports.c.id == import_id)
        .values(status="done", finished_at=now, **counts)
    )
