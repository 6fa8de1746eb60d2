"""Queries for the postal-code table: coordinates per (country, normalised code)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.sql import upsert
from app.store.tables.checkout import postal_codes
from domain.locations import Geo
from domain.postal import Key, PostalCode

BATCH = 1000  # rows per INSERT: keeps each statement's parameters well under SQLite's and asyncpg's limits


async def lookup(conn: AsyncConnection, country: str, postal_code: str) -> Geo | None:
    """The coordinates of one normalised code, or None."""
    return (await lookup_many(conn, [(country, postal_code)])).get((country, postal_code))


async def lookup_many(conn: AsyncConnection, keys: Iterable[Key]) -> dict[Key, Geo]:
    """Coordinates of many normalised codes in one statement; unknown codes are absent."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    pair = tuple_(postal_codes.c.country, postal_codes.c.postal_code)
    query = select(postal_codes.c.country, postal_codes.c.postal_code, postal_codes.c.lat, postal_codes.c.lon)
    rows = await conn.execute(query.where(pair.in_(wanted)))
    return {(r.country, r.postal_code): Geo(r.lat, r.lon) for r in rows}


async def save(conn: AsyncConnection, rows: Sequence[PostalCode], now: datetime) -> None:
    """Insert or replace the coordinates of each (normalised) code, in batches."""
    for start in range(0, len(rows), BATCH):
        stmt = upsert(conn, postal_codes)
        stmt = stmt.on_conflict_do_update(
            index_elements=["country", "postal_code"],
            set_={"lat": stmt.excluded.lat, "lon": stmt.excluded.lon, "updated_at": stmt.excluded.updated_at},
        )
        batch = [
            {"country": r.country, "postal_code": r.postal_code, "lat": r.lat, "lon": r.lon, "updated_at": now}
            for r in rows[start : start + BATCH]
        ]
        await conn.execute(stmt, batch)
