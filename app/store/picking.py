"""Queries for pick processes, pick lists and lines, fulfillment progress and pick accuracy."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.sql import at_least_zero, for_update, upsert
from app.store.tables import (
    fulfillment_lines,
    fulfillments,
    items,
    location_pick_stats,
    locations,
    orders,
    pick_lines,
    pick_lists,
    pick_processes,
    positions,
)
from domain import picking
from domain.orders import FulfillmentStatus
from domain.picking import (
    FulfillmentProgress,
    LineState,
    PickLine,
    PickList,
    PickMode,
    PickProcess,
    ShortPickPolicy,
    StepProgress,
    StepRecord,
    StoreRecord,
)


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


async def lock_location(conn: AsyncConnection, location_id: str) -> Any:
    """The location row, locked on PostgreSQL so two list generations for one store run one after the other."""
    query = select(locations.c.id, locations.c.pick_process_id).where(locations.c.id == location_id)
    query = for_update(conn, query)
    return (await conn.execute(query)).first()


async def process_for(conn: AsyncConnection, process_id: str | None) -> PickProcess:
    """The location's process; a store with none (or a process id not defined yet) runs the default."""
    if process_id is None:
        return picking.DEFAULT_PROCESS
    return (await processes_by_id(conn, [process_id])).get(process_id, picking.DEFAULT_PROCESS)


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


async def set_list_status(conn: AsyncConnection, list_id: str, status: picking.PickListStatus, now: datetime) -> None:
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
            await set_list_status(conn, row.id, status, now)


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


@dataclass(frozen=True, slots=True)
class FulfillmentRow:
    id: str
    order_id: str
    location_id: str
    method: str
    status: FulfillmentStatus
    pick_list_id: str | None
    progress: StepProgress
    tracking_number: str | None
    collection_code_digest: str | None
    delivered_at: datetime | None
    created_at: datetime
    collection_failures: int = 0


def _progress(steps: Any, log: Any) -> StepProgress:
    records = tuple(
        StepRecord(x["step"], x["action"], x["by"], datetime.fromisoformat(x["at"]), x.get("reason"))
        for x in (log or [])
    )
    return StepProgress(tuple(steps or ()), records)


def progress_to_json(progress: StepProgress) -> list[dict[str, Any]]:
    return [
        {"step": r.step, "action": r.action, "by": r.by, "at": r.at.isoformat(), "reason": r.reason}
        for r in progress.log
    ]


async def lock_fulfillment(conn: AsyncConnection, fulfillment_id: str) -> FulfillmentRow | None:
    query = select(fulfillments).where(fulfillments.c.id == fulfillment_id)
    query = for_update(conn, query)
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    return FulfillmentRow(
        row.id,
        row.order_id,
        row.location_id,
        row.method,
        FulfillmentStatus(row.status),
        row.pick_list_id,
        _progress(row.steps, row.step_log),
        row.tracking_number,
        row.collection_code_digest,
        row.delivered_at,
        row.created_at,
        row.collection_failures,
    )


async def progress_by_fulfillment(
    conn: AsyncConnection, fulfillment_ids: Iterable[str]
) -> dict[str, FulfillmentProgress]:
    wanted = sorted(set(fulfillment_ids))
    if not wanted:
        return {}
    f = fulfillments.c
    query = select(
        f.id, f.steps, f.step_log, f.tracking_number, f.delivered_at, f.pick_list_id, f.collection_failures
    ).where(f.id.in_(wanted))
    return {
        row.id: FulfillmentProgress(
            _progress(row.steps, row.step_log),
            row.tracking_number,
            row.delivered_at,
            row.pick_list_id,
            row.collection_failures,
        )
        for row in await conn.execute(query)
    }


async def save_progress(conn: AsyncConnection, fulfillment_id: str, progress: StepProgress, now: datetime) -> None:
    await conn.execute(
        update(fulfillments)
        .where(fulfillments.c.id == fulfillment_id)
        .values(step_log=progress_to_json(progress), updated_at=now)
    )


async def set_handover(
    conn: AsyncConnection, fulfillment_id: str, tracking_number: str | None, code_digest: str | None
) -> None:
    await conn.execute(
        update(fulfillments)
        .where(fulfillments.c.id == fulfillment_id)
        .values(tracking_number=tracking_number, collection_code_digest=code_digest, collection_failures=0)
    )


async def set_collection_code(conn: AsyncConnection, fulfillment_id: str, code_digest: str) -> None:
    """A new collection code: the old one stops working and the count of wrong codes starts again."""
    await conn.execute(
        update(fulfillments)
        .where(fulfillments.c.id == fulfillment_id)
        .values(collection_code_digest=code_digest, collection_failures=0)
    )


async def count_collection_failure(conn: AsyncConnection, fulfillment_id: str) -> int:
    """One more wrong collection code; the count, this one included (the row is locked by the caller)."""
    f = fulfillments.c
    query = (
        update(fulfillments)
        .where(f.id == fulfillment_id)
        .values(collection_failures=f.collection_failures + 1)
        .returning(f.collection_failures)
    )
    return int((await conn.execute(query)).scalar_one())


async def set_delivered(conn: AsyncConnection, fulfillment_id: str, at: datetime) -> None:
    await conn.execute(update(fulfillments).where(fulfillments.c.id == fulfillment_id).values(delivered_at=at))


async def fulfillment_quantities(conn: AsyncConnection, fulfillment_id: str) -> dict[str, int]:
    fl = fulfillment_lines.c
    query = select(fl.sku, fl.quantity).where(fl.fulfillment_id == fulfillment_id)
    return {row.sku: int(row.quantity) for row in await conn.execute(query)}


async def set_fulfillment_quantity(conn: AsyncConnection, fulfillment_id: str, sku: str, quantity: int) -> None:
    fl = fulfillment_lines.c
    await conn.execute(
        update(fulfillment_lines).where(fl.fulfillment_id == fulfillment_id, fl.sku == sku).values(quantity=quantity)
    )


async def take_out(conn: AsyncConnection, sku: str, location_id: str, quantity: int, now: datetime) -> None:
    """Units leave the books here, reservation and on-hand together: shipped, collected, or written off."""
    p = positions.c
    await conn.execute(
        update(positions)
        .where(p.sku == sku, p.location_id == location_id)
        .values(
            on_hand=at_least_zero(conn, p.on_hand - quantity),
            reserved=at_least_zero(conn, p.reserved - quantity),
            updated_at=now,
        )
    )


async def order_of(conn: AsyncConnection, fulfillment_id: str) -> str | None:
    row = (await conn.execute(select(fulfillments.c.order_id).where(fulfillments.c.id == fulfillment_id))).first()
    return row.order_id if row else None


async def fulfillment_page(
    conn: AsyncConnection,
    *,
    location_id: str,
    statuses: Sequence[str] | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[tuple[str, str, datetime]]:
    """(fulfillment id, order id, created at) at a location, oldest first: the order work should be done in."""
    f = fulfillments.c
    query = select(f.id, f.order_id, f.created_at).where(f.location_id == location_id)
    if statuses:
        query = query.where(f.status.in_(list(statuses)))
    if after is not None:
        query = query.where(or_(f.created_at > after[0], and_(f.created_at == after[0], f.id > after[1])))
    query = query.order_by(f.created_at, f.id).limit(limit)
    return [(row.id, row.order_id, row.created_at) for row in await conn.execute(query)]
