"""Pre-orders: the guarded counter of units pre-ordered per item, the waiting orders, the report's figures.

The counter lives on the item row (`preorder_units`) and is claimed with one
guarded UPDATE (`preorder_units + q <= preorder_limit`, and the item still not
released) in the transaction that writes the order, like daily capacity in
`app.store.counters`: PostgreSQL re-checks the guard on the row's latest
version under its lock, so concurrent pre-orders queue on it and the last unit
goes to exactly one; SQLite writes one transaction at a time. A waiting
pre-order's row is its release claim: WAITING -> RELEASED happens once, in the
transaction that reserves its stock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store import backorders
from app.store.sql import at_least_zero
from app.store.tables.catalog import items
from app.store.tables.inventory import positions
from app.store.tables.orders import order_lines, orders, preorders
from domain.backorders import BACKORDER, PREORDER
from domain.preorders import CANCELLED, RELEASED, WAITING, ReportRow


async def claim_units(conn: AsyncConnection, sku: str, units: int, now: datetime) -> bool:
    """`units` more of the item's pre-order limit, if that many are left and it is still not released."""
    c = items.c
    stmt = (
        update(items)
        .where(
            c.sku == sku,
            or_(c.release_at > now, c.sale_opened_at.is_(None)),  # still before its general sale
            or_(c.preorder_limit.is_(None), c.preorder_units + units <= c.preorder_limit),
        )
        .values(preorder_units=c.preorder_units + units)
    )
    return (await conn.execute(stmt)).rowcount == 1


async def give_back_units(conn: AsyncConnection, units: dict[str, int]) -> None:
    c = items.c
    for sku, count in sorted(units.items()):
        await conn.execute(
            update(items).where(c.sku == sku).values(preorder_units=at_least_zero(conn, c.preorder_units - count))
        )


async def add_waiting(
    conn: AsyncConnection, order_id: str, promises: dict[str, datetime], now: datetime, kind: str = PREORDER
) -> None:
    """The order's lines are promised for their items' release (a pre-order), or for stock (a backorder);
    the order waits for it."""
    for sku, at in sorted(promises.items()):
        ln = order_lines.c
        await conn.execute(update(order_lines).where(ln.order_id == order_id, ln.sku == sku).values(promised_by=at))
    await conn.execute(preorders.insert().values(order_id=order_id, status=WAITING, kind=kind, created_at=now))


def _to_open(now: datetime) -> Any:
    """Released items with pre-orders, not on general sale yet, none of whose pre-orders still waits (one on
    fraud hold does not keep the others' item closed). The partial index on items finds the candidates."""
    c, ln, p = items.c, order_lines.c, preorders.c
    queued = (
        select(p.order_id)
        .join(order_lines, ln.order_id == p.order_id)
        .join(orders, orders.c.id == p.order_id)
        .where(p.status == WAITING, p.kind == PREORDER, orders.c.on_hold.is_(False), ln.sku == c.sku)
    )
    return and_(c.preorder_units > 0, c.sale_opened_at.is_(None), c.release_at <= now, ~exists(queued))


async def sales_to_open(conn: AsyncConnection, now: datetime) -> bool:
    return (await conn.execute(select(items.c.sku).where(_to_open(now)).limit(1))).first() is not None


async def open_sales(conn: AsyncConnection, now: datetime) -> list[str]:
    """Released items whose pre-orders were all served go on general sale now (the predicate is re-checked
    by the UPDATE itself, so a pre-order committed meanwhile keeps its item closed). Returns their SKUs."""
    stmt = update(items).where(_to_open(now)).values(sale_opened_at=now).returning(items.c.sku)
    return sorted((await conn.execute(stmt)).scalars())


async def due(conn: AsyncConnection, now: datetime, limit: int) -> list[str]:
    """Waiting pre-orders whose items are all released now (not on hold), oldest first."""
    ln, i, p = order_lines.c, items.c, preorders.c
    unreleased = select(ln.order_id).join(items, i.sku == ln.sku).where(ln.order_id == p.order_id, i.release_at > now)
    query = (
        select(p.order_id)
        .join(orders, orders.c.id == p.order_id)
        .where(p.status == WAITING, orders.c.on_hold.is_(False), ~exists(unreleased))
        .order_by(p.created_at, p.order_id)
        .limit(limit)
    )
    return list((await conn.execute(query)).scalars())


async def waiting(conn: AsyncConnection, order_id: str) -> Any:
    """The order's pre-order row while it waits (read after the order row is locked), else None."""
    p = preorders.c
    return (await conn.execute(select(preorders).where(p.order_id == order_id, p.status == WAITING))).first()


async def settle(conn: AsyncConnection, order_id: str, status: str, now: datetime) -> bool:
    """WAITING -> RELEASED or CANCELLED, once: False when it was not waiting any more."""
    p = preorders.c
    stmt = update(preorders).where(p.order_id == order_id, p.status == WAITING)
    result = await conn.execute(stmt.values(status=status, released_at=now if status == RELEASED else None))
    return result.rowcount == 1


async def set_note(conn: AsyncConnection, order_id: str, note: str) -> None:
    await conn.execute(update(preorders).where(preorders.c.order_id == order_id).values(note=note))


async def save_plan(conn: AsyncConnection, order_id: str, plan: dict[str, Any]) -> None:
    """The plan the release made replaces the pre-order's placeholder."""
    await conn.execute(update(orders).where(orders.c.id == order_id).values(plan=plan))


async def cancel_waiting(conn: AsyncConnection, order_id: str, now: datetime) -> set[str]:
    """A waiting pre-order cancelled: its units go back to the items' limits; a waiting backorder's go back
    to the inbound they were promised against, and the stock it held is released. The SKUs whose stock
    was released (none when it was not waiting, or held nothing)."""
    claim = await waiting(conn, order_id)
    if claim is None or not await settle(conn, order_id, CANCELLED, now):
        return set()
    if claim.kind == BACKORDER:
        return await backorders.give_back(conn, order_id, now)
    units: dict[str, int] = {}
    for sku, quantity in await conn.execute(
        select(order_lines.c.sku, order_lines.c.quantity).where(order_lines.c.order_id == order_id)
    ):
        units[sku] = units.get(sku, 0) + int(quantity)
    await give_back_units(conn, units)
    return set()


async def report(conn: AsyncConnection, skus: Sequence[str] | None) -> list[ReportRow]:
    """Per item (the given SKUs, or every item with a release date or pre-orders): four statements."""
    i = items.c
    query = select(i.sku, i.release_at, i.preorder_limit, i.preorder_units).order_by(i.sku)
    if skus is not None:
        query = query.where(i.sku.in_(sorted(set(skus))))
    else:
        query = query.where(or_(i.release_at.is_not(None), i.preorder_units > 0))
    found = list(await conn.execute(query))
    wanted = [row.sku for row in found]
    if not wanted:
        return []
    stock = await _stock(conn, wanted)
    by_status = await _units_by_status(conn, wanted)
    backlog = await _backlog(conn, wanted)
    return [
        ReportRow(
            row.sku,
            row.release_at,
            row.preorder_limit,
            int(row.preorder_units),
            by_status.get((row.sku, WAITING), 0),
            by_status.get((row.sku, RELEASED), 0),
            *stock.get(row.sku, (0, 0, None)),
            tuple(backlog.get(row.sku, [])),
        )
        for row in found
    ]


async def _stock(conn: AsyncConnection, skus: Iterable[str]) -> dict[str, tuple[int, int, datetime | None]]:
    p = positions.c
    query = (
        select(p.sku, func.sum(p.on_hand), func.sum(p.inbound), func.min(p.inbound_eta))
        .where(p.sku.in_(list(skus)))
        .group_by(p.sku)
    )
    return {
        sku: (int(on_hand or 0), int(inbound or 0), eta) for sku, on_hand, inbound, eta in await conn.execute(query)
    }


async def _units_by_status(conn: AsyncConnection, skus: list[str]) -> dict[tuple[str, str], int]:
    ln, p = order_lines.c, preorders.c
    query = (
        select(ln.sku, p.status, func.sum(ln.quantity))
        .join(preorders, and_(p.order_id == ln.order_id, p.kind == PREORDER))
        .where(ln.sku.in_(skus))
        .group_by(ln.sku, p.status)
    )
    return {(sku, status): int(units) for sku, status, units in await conn.execute(query)}


async def _backlog(conn: AsyncConnection, skus: list[str]) -> dict[str, list[tuple[datetime, int, int]]]:
    ln, p = order_lines.c, preorders.c
    query = (
        select(ln.sku, ln.promised_by, func.count(func.distinct(ln.order_id)), func.sum(ln.quantity))
        .join(preorders, and_(p.order_id == ln.order_id, p.status == WAITING, p.kind == PREORDER))
        .where(ln.sku.in_(skus), ln.promised_by.is_not(None))
        .group_by(ln.sku, ln.promised_by)
        .order_by(ln.sku, ln.promised_by)
    )
    found: dict[str, list[tuple[datetime, int, int]]] = {}
    for sku, at, count, units in await conn.execute(query):
        found.setdefault(sku, []).append((at, int(count), int(units)))
    return found
