"""editOrder's reads and writes: the order's line rows and its fulfillments as an edit sees them, the lines
and fulfillment quantities an edit changes, and the order row's new delivery, total, plan and status.

Removed lines stay as rows at quantity 0 (their numbers are never reused); every reader of an order's
lines leaves those out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.orders import delivery_to_json
from app.store.tables.orders import fulfillment_lines, fulfillments, order_lines, orders
from app.store.tables.picking import pick_lines
from domain.order_edits import Work
from domain.orders import Delivery, FulfillmentStatus, OrderLine, OrderStatus


async def line_rows(conn: AsyncConnection, order_id: str) -> list[OrderLine]:
    """Every line row of the order, removed ones (quantity 0) included: the next number follows them all."""
    query = select(order_lines).where(order_lines.c.order_id == order_id).order_by(order_lines.c.line_no)
    return [
        OrderLine(row.sku, row.quantity, row.unit_price, tuple(row.services), row.line_no)
        for row in await conn.execute(query)
    ]


async def work_of(conn: AsyncConnection, order_id: str) -> list[Work]:
    """The order's fulfillments with their units, oldest first."""
    f, fl = fulfillments.c, fulfillment_lines.c
    query = (
        select(f.id, f.location_id, f.status, f.pick_list_id, fl.sku, fl.quantity)
        .join(fulfillment_lines, fl.fulfillment_id == f.id)
        .where(f.order_id == order_id)
        .order_by(f.created_at, f.id, fl.sku)
    )
    found: dict[str, Work] = {}
    for row in await conn.execute(query):
        work = found.setdefault(
            row.id,
            Work(row.id, row.location_id, FulfillmentStatus(row.status), {}, row.pick_list_id is not None),
        )
        work.units[row.sku] = int(row.quantity)
    return list(found.values())


async def save_lines(conn: AsyncConnection, order_id: str, written: Sequence[OrderLine], known: set[int]) -> None:
    """Changed rows are updated (a removed line to quantity 0), new ones inserted with their numbers."""
    changed = [{"at_order": order_id, "at_no": x.no, "q": x.quantity} for x in written if x.no in known]
    if changed:
        c = order_lines.c
        stmt = (
            update(order_lines)
            .where(c.order_id == bindparam("at_order"), c.line_no == bindparam("at_no"))
            .values(quantity=bindparam("q"))
        )
        await conn.execute(stmt, changed)
    added = [
        {
            "order_id": order_id,
            "line_no": x.no,
            "sku": x.sku,
            "quantity": x.quantity,
            "unit_price": x.unit_price,
            "services": list(x.services),
        }
        for x in written
        if x.no not in known
    ]
    if added:
        await conn.execute(order_lines.insert(), added)


async def set_quantities(
    conn: AsyncConnection, quantities: dict[str, dict[str, int]], before: dict[str, dict[str, int]]
) -> None:
    """Kept fulfillments' new units per SKU: rows updated, added, or (at 0) deleted, their pick lines with them."""
    updated, added, gone = [], [], []
    for fid, units in sorted(quantities.items()):
        had = before.get(fid, {})
        for sku, n in sorted(units.items()):
            row = {"at_f": fid, "at_sku": sku, "q": n}
            if n <= 0:
                gone.append((fid, sku))
            elif sku in had:
                if had[sku] != n:
                    updated.append(row)
            else:
                added.append({"fulfillment_id": fid, "sku": sku, "quantity": n})
    await _update_units(conn, updated)
    if added:
        await conn.execute(fulfillment_lines.insert(), added)
    if gone:
        for table in (pick_lines, fulfillment_lines):
            await conn.execute(delete(table).where(tuple_(table.c.fulfillment_id, table.c.sku).in_(gone)))


async def _update_units(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    for table in (fulfillment_lines, pick_lines):  # a listed fulfillment's pick lines follow its units
        c = table.c
        stmt = (
            update(table)
            .where(and_(c.fulfillment_id == bindparam("at_f"), c.sku == bindparam("at_sku")))
            .values(quantity=bindparam("q"))
        )
        await conn.execute(stmt, rows)


async def save_order(
    conn: AsyncConnection,
    order_id: str,
    *,
    delivery: Delivery,
    total: float,
    plan: dict[str, Any],
    status: OrderStatus,
    now: datetime,
) -> None:
    values = {
        "delivery": delivery_to_json(delivery),
        "total": total,
        "plan": plan,
        "status": status.value,
        "updated_at": now,
    }
    await conn.execute(update(orders).where(orders.c.id == order_id).values(**values))
