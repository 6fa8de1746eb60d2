"""Queries for pick processes: the steps and policies each store picks by."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.sql import for_update, upsert
from app.store.tables.catalog import locations
from app.store.tables.picking import pick_processes
from domain import picking
from domain.picking import PickMode, PickProcess, ShortPickPolicy


def _process(row: Any) -> PickProcess:
    return PickProcess(
        row.id,
        PickMode(row.mode),
        row.scan_to_pick,
        ShortPickPolicy(row.short_pick_policy),
        tuple(row.steps),
        tuple(row.reason_codes),
        row.max_orders_per_list,
    )


async def save_process(conn: AsyncConnection, process: PickProcess, now: datetime) -> None:
    values = {
        "mode": process.mode.value,
        "scan_to_pick": process.scan_to_pick,
        "short_pick_policy": process.short_pick_policy.value,
        "steps": list(process.steps),
        "reason_codes": list(process.reason_codes),
        "max_orders_per_list": process.max_orders_per_list,
        "updated_at": now,
    }
    stmt = upsert(conn, pick_processes).values(id=process.id, **values)
    await conn.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=values))


async def processes_by_id(conn: AsyncConnection, ids: Iterable[str]) -> dict[str, PickProcess]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await conn.execute(select(pick_processes).where(pick_processes.c.id.in_(wanted)))
    return {row.id: _process(row) for row in rows}


async def process_for(conn: AsyncConnection, process_id: str | None) -> PickProcess:
    """The location's process; a store with none (or a process id not defined yet) runs the default."""
    if process_id is None:
        return picking.DEFAULT_PROCESS
    return (await processes_by_id(conn, [process_id])).get(process_id, picking.DEFAULT_PROCESS)


async def lock_location(conn: AsyncConnection, location_id: str) -> Any:
    """The location row, locked on PostgreSQL so two list generations for one store run one after the other."""
    query = select(locations.c.id, locations.c.pick_process_id).where(locations.c.id == location_id)
    query = for_update(conn, query)
    return (await conn.execute(query)).first()
