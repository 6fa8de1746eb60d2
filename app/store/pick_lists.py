"""Queries for pick lists and their lines: the work waiting at a store, making lists, scanning into them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.sql import for_update
from app.store.tables.catalog import items
from app.store.tables.orders import fulfillment_lines, fulfillments, orders
from app.store.tables.picking import pick_lines, pick_lists
from domain import pick_lists as list_rules
from domain import picking
from domain.orders import FulfillmentStatus
from domain.picking import LineState, PickLine, PickList, PickMode, PickProcess


async def waiting_work(conn: AsyncConnection, location_id: str) -> list[picking.Work]:
    """Lines of fulfillments waiting to be picked here and on no list: orders on hold wait for their review."""
    f, fl, o = fulfillments.c, fulfillment_lines.c, orders.c
    query = (
        select(f.id, f.order_id, f.created_at, fl.sku, fl.quantity, items.c.zone, items.c.category)
        .join(fulfillment_lines, fl.fulfillment_id == f.id)
        .join(orders, o.id == f.order_id)
        .outerjoin(items, items.c.sku == fl.sku)
        .where(
            f.location_id == location_id,
            f.status == FulfillmentStatus.AWAITING_PICK.value,
            f.pick_list_id.is_(None),
            o.on_hold.is_(False),
            fl.quantity > 0,
        )
        .order_by(f.created_at, f.id, fl.sku)
    )
    return [
        picking.Work(row.id, row.order_id, row.sku, row.quantity, row.created_at, row.zone, row.category)
        for row in await conn.execute(query)
    ]


async def create_list(
    conn: AsyncConnection,
    *,
    list_id: str,
    location_id: str,
    process: PickProcess,
    planned: picking.PlannedList,
    line_ids: Sequence[str],
    now: datetime,
) -> None:
    await conn.execute(
        pick_lists.insert().values(
            id=list_id,
            location_id=location_id,
            process_id=process.id,
            mode=process.mode.value,
            scan_to_pick=process.scan_to_pick,
            status=picking.PickListStatus.OPEN.value,
            created_at=now,
            updated_at=now,
        )
    )
    await conn.execute(
        pick_lines.insert(),
        [
            {
                "id": line_id,
                "pick_list_id": list_id,
                "seq": seq,
                "fulfillment_id": line.fulfillment_id,
                "order_id": line.order_id,
                "sku": line.sku,
                "quantity": line.quantity,
                "picked": 0,
                "short": 0,
                "group_key": line.group,
                "slot": line.slot,
            }
            for seq, (line_id, line) in enumerate(zip(line_ids, planned.lines, strict=True), start=1)
        ],
    )
    await conn.execute(
        update(fulfillments)
        .where(fulfillments.c.id.in_(planned.fulfillment_ids))
        .values(pick_list_id=list_id, steps=list(process.steps), step_log=[], updated_at=now)
    )


def _line(row: Any) -> PickLine:
    return PickLine(
        row.id,
        row.pick_list_id,
        row.fulfillment_id,
        row.order_id,
        row.sku,
        row.quantity,
        row.picked,
        row.short,
        row.short_reason,
        row.group_key,
        row.slot,
        row.fulfillment_status == FulfillmentStatus.CANCELLED.value,
    )


async def _with_lines(conn: AsyncConnection, headers: Sequence[Any]) -> list[PickList]:
    ids = [row.id for row in headers]
    lines: dict[str, list[PickLine]] = {list_id: [] for list_id in ids}
    if ids:
        query = (
            select(pick_lines, fulfillments.c.status.label("fulfillment_status"))
            .join(fulfillments, fulfillments.c.id == pick_lines.c.fulfillment_id)
            .where(pick_lines.c.pick_list_id.in_(ids))
            .order_by(pick_lines.c.seq)
        )
        for row in await conn.execute(query):
            lines[row.pick_list_id].append(_line(row))
    return [
        PickList(
            row.id,
            row.location_id,
            row.process_id,
            PickMode(row.mode),
            row.scan_to_pick,
            row.status,
            row.created_at,
            tuple(lines[row.id]),
        )
        for row in headers
    ]


async def lists_at(conn: AsyncConnection, location_id: str, status: str | None, limit: int) -> list[PickList]:
    """A store's lists, oldest first (the order they should be worked in)."""
    p = pick_lists.c
    query = select(pick_lists).where(p.location_id == location_id)
    if status is not None:
        query = query.where(p.status == status)
    query = query.order_by(p.created_at, p.id).limit(limit)
    return await _with_lines(conn, list(await conn.execute(query)))


async def lists_by_id(conn: AsyncConnection, ids: Iterable[str]) -> dict[str, PickList]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    headers = list(await conn.execute(select(pick_lists).where(pick_lists.c.id.in_(wanted))))
    return {row.id: row for row in await _with_lines(conn, headers)}


async def lock_list(conn: AsyncConnection, list_id: str) -> PickList | None:
    query = select(pick_lists).where(pick_lists.c.id == list_id)
    query = for_update(conn, query)
    header = (await conn.execute(query)).first()
    return (await _with_lines(conn, [header]))[0] if header else None


async def save_line(conn: AsyncConnection, line: LineState) -> None:
    await conn.execute(
        update(pick_lines)
        .where(pick_lines.c.id == line.id)
        .values(picked=line.picked, short=line.short, short_reason=line.short_reason)
    )


async def set_list_status(
    conn: AsyncConnection, list_id: str, current: picking.PickListStatus, status: picking.PickListStatus, now: datetime
) -> None:
    """Only a move the pick list's transition table allows is written."""
    list_rules.transition(list_id, current, status)
    await conn.execute(update(pick_lists).where(pick_lists.c.id == list_id).values(status=status.value, updated_at=now))


async def lines_of_fulfillment(conn: AsyncConnection, fulfillment_id: str) -> list[PickLine]:
    query = (
        select(pick_lines, fulfillments.c.status.label("fulfillment_status"))
        .join(fulfillments, fulfillments.c.id == pick_lines.c.fulfillment_id)
        .where(pick_lines.c.fulfillment_id == fulfillment_id)
        .order_by(pick_lines.c.seq)
    )
    return [_line(row) for row in await conn.execute(query)]


async def refresh_lists(conn: AsyncConnection, fulfillment_ids: Iterable[str], now: datetime) -> None:
    """A cancelled fulfillment no longer holds its lists open: recompute their status."""
    wanted = sorted(set(fulfillment_ids))
    if not wanted:
        return
    query = select(pick_lines.c.pick_list_id).where(pick_lines.c.fulfillment_id.in_(wanted)).distinct()
    list_ids = [row.pick_list_id for row in await conn.execute(query)]
    for row in (await lists_by_id(conn, list_ids)).values():
        cancelled = frozenset(line.fulfillment_id for line in row.lines if line.cancelled)
        status = picking.list_status((line.state for line in row.lines), cancelled)
        if status.value != row.status:
            await set_list_status(conn, row.id, picking.PickListStatus(row.status), status, now)
