"""Backorders: units promised against a position's inbound, guarded so inbound is never promised twice.

`positions.inbound_promised` counts the units of waiting backorders promised
against the position's `inbound`; a claim is one guarded UPDATE
(`inbound_promised + q <= inbound`) in the transaction that writes the order,
like the pre-order counter in `app.store.preorders`: PostgreSQL re-checks the
guard on the row's latest version under its lock, SQLite writes one
transaction at a time. `inbound_promises` remembers each order's claims, given
back when the order is allocated or cancelled.

The units a backorder could take from stock when it was placed are reserved at
once (the guarded reservation of `app.store.reservations`) and remembered in
`backorder_reservations`: the order holds them while it waits, so nobody else
sells them. Allocating the order nets them against its fresh plan; cancelling
it releases them. One UPDATE per position ends both claims, in (location, sku)
lock order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, literal, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.ledger import ledger_marks
from app.store.sql import at_least_zero
from app.store.tables.inventory import positions
from app.store.tables.orders import backorder_reservations, inbound_promises, order_lines
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


Units = dict[tuple[str, str], int]  # (location, sku) -> units


async def add_holds(conn: AsyncConnection, order_id: str, held: Units) -> None:
    """The stock units the order reserved when it was placed (already reserved on the positions)."""
    if held:
        rows = [{"order_id": order_id, "location_id": loc, "sku": sku, "units": n} for (loc, sku), n in held.items()]
        await conn.execute(backorder_reservations.insert(), rows)


async def claims(conn: AsyncConnection, order_id: str) -> tuple[Units, Units]:
    """The waiting order's units promised against inbound, and its units held in stock (one statement)."""
    ip, br = inbound_promises.c, backorder_reservations.c
    query = union_all(
        select(literal("inbound").label("kind"), ip.location_id, ip.sku, ip.units).where(ip.order_id == order_id),
        select(literal("held").label("kind"), br.location_id, br.sku, br.units).where(br.order_id == order_id),
    )
    promised: Units = {}
    held: Units = {}
    for kind, loc, sku, units in await conn.execute(query):
        (promised if kind == "inbound" else held)[(loc, sku)] = int(units)
    return promised, held


async def end_at(
    conn: AsyncConnection, location_id: str, sku: str, *, inbound: int, reserved: int, now: datetime, why: Why
) -> None:
    """One position's part of a backorder ending: `inbound` promised units given back, `reserved` held
    units released (one UPDATE)."""
    c = positions.c
    values: dict[str, object] = {"updated_at": now, **ledger_marks(why)}
    if inbound:
        values["inbound_promised"] = at_least_zero(conn, c.inbound_promised - inbound)
    if reserved:
        values["reserved"] = at_least_zero(conn, c.reserved - reserved)
    await conn.execute(update(positions).where(c.location_id == location_id, c.sku == sku).values(**values))


async def forget(conn: AsyncConnection, order_id: str, *, held: bool) -> None:
    """The order's claims are ended: its rows go, and its lines are no longer backordered."""
    await conn.execute(delete(inbound_promises).where(inbound_promises.c.order_id == order_id))
    if held:
        await conn.execute(delete(backorder_reservations).where(backorder_reservations.c.order_id == order_id))
    ln = order_lines.c
    await conn.execute(update(order_lines).where(ln.order_id == order_id, ln.backordered > 0).values(backordered=0))


async def give_back(conn: AsyncConnection, order_id: str, now: datetime) -> set[str]:
    """The order was cancelled while waiting: its inbound claims end and the stock it held is released,
    each position once, in lock order (location, sku). The SKUs whose held stock was released."""
    promised, held = await claims(conn, order_id)
    why = Why(Cause.BACKORDER, order_id)
    for loc, sku in sorted(promised.keys() | held.keys()):
        inbound, reserved = promised.get((loc, sku), 0), held.get((loc, sku), 0)
        await end_at(conn, loc, sku, inbound=inbound, reserved=reserved, now=now, why=why)
    await forget(conn, order_id, held=bool(held))
    return {sku for _, sku in held}
