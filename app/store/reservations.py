"""The guarded writes on a position's units: reserve, release, take out of the books.

Reserving is one conditional UPDATE whose row count says whether free stock covered it; never
read-check-write in Python.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, bindparam, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store import driver
from app.store.ledger import ledger_marks
from app.store.sql import at_least_zero
from app.store.tables.inventory import positions
from domain.ledger import Why


def _reserve_statement() -> Any:
    """Built once (the hot path runs it per allocation): succeeds only while free stock above
    the held-back units covers the quantity."""
    p = positions.c
    quantity = bindparam("quantity", type_=Integer)
    return (
        update(positions)
        .where(
            p.sku == bindparam("at_sku"),
            p.location_id == bindparam("at_location"),
            p.on_hand - p.reserved - bindparam("held", type_=Integer) >= quantity,
        )
        .values(
            reserved=p.reserved + quantity,
            updated_at=bindparam("at_time", type_=positions.c.updated_at.type),
            ledger_cause=bindparam("at_cause"),
            ledger_ref=bindparam("at_ref"),
        )
    )


_RESERVE = _reserve_statement()


_RESERVE_PG = driver.Precompiled(_RESERVE)


async def reserve(
    conn: AsyncConnection, *, sku: str, location_id: str, quantity: int, held: int, now: datetime, why: Why
) -> bool:
    """The guarded reservation: succeeds only while free stock above the held-back units covers it."""
    values = {
        "at_sku": sku,
        "at_location": location_id,
        "quantity": quantity,
        "held": held,
        "at_time": now,
        "at_cause": why.cause.value,
        "at_ref": why.ref,
    }
    pg = await driver.asyncpg_connection(conn)
    if pg is not None:
        return await driver.execute(conn, pg, _RESERVE_PG, values) == 1
    return (await conn.execute(_RESERVE, values)).rowcount == 1


async def release(conn: AsyncConnection, sku: str, location_id: str, quantity: int, now: datetime, *, why: Why) -> None:
    p = positions.c
    stmt = (
        update(positions)
        .where(p.sku == sku, p.location_id == location_id)
        .values(reserved=at_least_zero(conn, p.reserved - quantity), updated_at=now, **ledger_marks(why))
    )
    await conn.execute(stmt)


async def take_out(
    conn: AsyncConnection, sku: str, location_id: str, quantity: int, now: datetime, *, why: Why
) -> None:
    """Units leave the books here, reservation and on-hand together: shipped, collected, or written off."""
    p = positions.c
    await conn.execute(
        update(positions)
        .where(p.sku == sku, p.location_id == location_id)
        .values(
            on_hand=at_least_zero(conn, p.on_hand - quantity),
            reserved=at_least_zero(conn, p.reserved - quantity),
            updated_at=now,
            **ledger_marks(why),
        )
    )
