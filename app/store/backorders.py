"""Backorders: units promised against a position's inbound, guarded so inbound is never promised twice.

`positions.inbound_promised` counts the units of waiting backorders promised
against the position's `inbound`; a claim is one guarded UPDATE
(`inbound_promised + q <= inbound`) in the transaction that writes the order,
like the pre-order counter in `app.store.preorders`: PostgreSQL re-checks the
guard on the row's latest version under its lock, SQLite writes one
transaction at a time. `inbound_promises` remembers each order's claims, given
back when the order is allocated or cancelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.ledger import ledger_marks
from app.store.sql import at_least_zero
from app.store.tables.inventory import positions
from app.store.tables.orders import inbound_promises, order_lines
from domain.backorders import Promise
from domain.ledger import Cause, Why


async def claim_inbound(
    conn: AsyncConnection, location_id: str, sku: str, units: int, now: datetime, *, why: Why
) -> bool:
    """`units` more of the position's inbound, if that many are not promised yet."""
    c = positions.c
    stmt = (
        update(positions)
        .where(c.sku == sku, c.location_id == location_id, c.inbound_promised + units <= c.inbound)
        .values(inbound_promised=c.inbound_promised + units, updated_at=now, **ledger_marks(why))
    )
    return (await conn.execute(stmt)).rowcount == 1


async def add_promises(
    conn: AsyncConnection,
    order_id: str,
    promises: Sequence[Promise],
    lines: dict[int, tuple[int, datetime | None]],
) -> None:
    """The order's claims, and its lines' backordered units and promised dates."""
    rows = [{"order_id": order_id, "location_id": p.location_id, "sku": p.sku, "units": p.units} for p in promises]
    await conn.execute(inbound_promises.insert(), rows)
    ln = order_lines.c
    for no, (units, eta) in sorted(lines.items()):
        stmt = update(order_lines).where(ln.order_id == order_id, ln.line_no == no)
        await conn.execute(stmt.values(backordered=units, promised_by=eta))


async def give_back(conn: AsyncConnection, order_id: str, now: datetime) -> None:
    """The order was allocated or cancelled: its inbound claims end and its lines are no longer backordered."""
    ip, c = inbound_promises.c, positions.c
    claims = list(await conn.execute(select(ip.location_id, ip.sku, ip.units).where(ip.order_id == order_id)))
    why = Why(Cause.BACKORDER, order_id)
    for location_id, sku, units in sorted(claims):  # lock order: (location, sku)
        stmt = update(positions).where(c.location_id == location_id, c.sku == sku)
        given = at_least_zero(conn, c.inbound_promised - units)
        await conn.execute(stmt.values(inbound_promised=given, updated_at=now, **ledger_marks(why)))
    await conn.execute(delete(inbound_promises).where(ip.order_id == order_id))
    ln = order_lines.c
    await conn.execute(update(order_lines).where(ln.order_id == order_id, ln.backordered > 0).values(backordered=0))
