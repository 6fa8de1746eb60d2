"""Each location's pick and hand-over record: lines picked in full and short, hand-overs on time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.sql import upsert
from app.store.tables.picking import location_pick_stats
from domain.picking import StoreRecord


async def records(conn: AsyncConnection, location_ids: Iterable[str] | None = None) -> dict[str, StoreRecord]:
    """What pick and pack measured per location (all locations with a record when `location_ids` is None)."""
    s = location_pick_stats.c
    query = select(location_pick_stats)
    if location_ids is not None:
        query = query.where(s.location_id.in_(sorted(set(location_ids))))
    return {
        row.location_id: StoreRecord(row.lines_picked, row.lines_short, row.handovers, row.handovers_on_time)
        for row in await conn.execute(query)
    }


async def add_to_record(
    conn: AsyncConnection,
    location_id: str,
    now: datetime,
    *,
    picked: int = 0,
    short: int = 0,
    handovers: int = 0,
    on_time: int = 0,
) -> tuple[StoreRecord, StoreRecord]:
    """Add to a location's record (an atomic increment); (before, after), so a caller can tell whether its
    performance moved."""
    before = (await records(conn, [location_id])).get(location_id, StoreRecord())
    stmt = upsert(conn, location_pick_stats).values(
        location_id=location_id,
        lines_picked=picked,
        lines_short=short,
        handovers=handovers,
        handovers_on_time=on_time,
        updated_at=now,
    )
    s = location_pick_stats.c
    counters = ("lines_picked", "lines_short", "handovers", "handovers_on_time")
    increments: dict[str, Any] = {name: s[name] + stmt.excluded[name] for name in counters}
    await conn.execute(
        stmt.on_conflict_do_update(index_elements=["location_id"], set_=increments | {"updated_at": now})
    )
    after = (await records(conn, [location_id]))[location_id]
    return before, after
