"""Queries for fulfillments: rows per location, their lines and quantities, status,
pages of work at a store, and the progress of their steps, hand-over and collection.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store import counters
from app.store.sql import for_update
from app.store.tables.orders import fulfillment_lines, fulfillments
from domain.locations import FulfillmentMethod
from domain.orders import Fulfillment, FulfillmentLine, FulfillmentStatus
from domain.picking import FulfillmentProgress, StepProgress, StepRecord


async def add_fulfillments(
    conn: AsyncConnection,
    *,
    order_id: str,
    method: FulfillmentMethod,
    groups: dict[str, list[FulfillmentLine]],
    ids: dict[str, str],
    now: datetime,
    capacity_days: dict[str, str] | None = None,
) -> None:
    """One AWAITING_PICK fulfillment per location with its lines: when an order is placed, and when units
    are rerouted from a store that could not pick them. `capacity_days` names, per location, the local day
    whose capacity the caller claimed for it (given back if it is cancelled)."""
    days = capacity_days or {}
    await conn.execute(
        fulfillments.insert(),
        [
            {
                "id": ids[loc],
                "order_id": order_id,
                "location_id": loc,
                "method": method.value,
                "status": FulfillmentStatus.AWAITING_PICK.value,
                "day": now.date().isoformat(),
                "capacity_day": days.get(loc),
                "created_at": now,
                "updated_at": now,
            }
            for loc in groups
        ],
    )
    rows = [
        {"fulfillment_id": ids[loc], "sku": x.sku, "quantity": x.quantity} for loc, ls in groups.items() for x in ls
    ]
    await conn.execute(fulfillment_lines.insert(), rows)


async def set_fulfillment_status(
    conn: AsyncConnection, fulfillment_id: str, status: FulfillmentStatus, now: datetime
) -> None:
    """Move a fulfillment (the caller checked the transition); a cancelled one gives its unit of daily
    capacity back, once: the claim's day is cleared with it."""
    f = fulfillments.c
    if status is not FulfillmentStatus.CANCELLED:
        await conn.execute(
            update(fulfillments).where(f.id == fulfillment_id).values(status=status.value, updated_at=now)
        )
        return
    old = (await conn.execute(select(f.location_id, f.capacity_day).where(f.id == fulfillment_id))).first()
    await conn.execute(
        update(fulfillments)
        .where(f.id == fulfillment_id)
        .values(status=status.value, capacity_day=None, updated_at=now)
    )
    if old is not None and old.capacity_day is not None:
        await counters.give_back_capacity(conn, old.location_id, old.capacity_day)


async def fulfillments_for_orders(conn: AsyncConnection, order_ids: Iterable[str]) -> dict[str, list[Fulfillment]]:
    wanted = sorted(set(order_ids))
    result: dict[str, list[Fulfillment]] = {oid: [] for oid in wanted}
    if not wanted:
        return result
    query = (
        select(fulfillments, fulfillment_lines.c.sku, fulfillment_lines.c.quantity)
        .join(fulfillment_lines, fulfillment_lines.c.fulfillment_id == fulfillments.c.id)
        .where(fulfillments.c.order_id.in_(wanted))
        .order_by(fulfillments.c.order_id, fulfillments.c.id, fulfillment_lines.c.sku)
    )
    grouped: dict[str, tuple[Any, list[FulfillmentLine]]] = {}
    for row in await conn.execute(query):
        grouped.setdefault(row.id, (row, []))[1].append(FulfillmentLine(row.sku, row.quantity))
    for row, lines in grouped.values():
        result[row.order_id].append(
            Fulfillment(
                row.id,
                row.order_id,
                row.location_id,
                FulfillmentMethod(row.method),
                FulfillmentStatus(row.status),
                tuple(lines),
                row.transfer_from,
                row.transfer_to,
            )
        )
    return result


async def fulfillment_rows(conn: AsyncConnection, order_id: str) -> Sequence[Any]:
    query = (
        select(
            fulfillments.c.id,
            fulfillments.c.location_id,
            fulfillments.c.status,
            fulfillment_lines.c.sku,
            fulfillment_lines.c.quantity,
        )
        .join(fulfillment_lines, fulfillment_lines.c.fulfillment_id == fulfillments.c.id)
        .where(fulfillments.c.order_id == order_id)
        .order_by(fulfillments.c.location_id, fulfillment_lines.c.sku)
    )
    return list(await conn.execute(query))


async def delivered_units(conn: AsyncConnection, order_id: str) -> dict[str, int]:
    """Units per SKU that reached the customer (shipped or collected)."""
    done = [FulfillmentStatus.SHIPPED.value, FulfillmentStatus.COLLECTED.value]
    query = (
        select(fulfillment_lines.c.sku, func.sum(fulfillment_lines.c.quantity))
        .join(fulfillments, fulfillments.c.id == fulfillment_lines.c.fulfillment_id)
        .where(fulfillments.c.order_id == order_id, fulfillments.c.status.in_(done))
        .group_by(fulfillment_lines.c.sku)
    )
    return {sku: int(n) for sku, n in await conn.execute(query)}


async def fulfillment_quantities(conn: AsyncConnection, fulfillment_id: str) -> dict[str, int]:
    fl = fulfillment_lines.c
    query = select(fl.sku, fl.quantity).where(fl.fulfillment_id == fulfillment_id)
    return {row.sku: int(row.quantity) for row in await conn.execute(query)}


async def set_fulfillment_quantity(conn: AsyncConnection, fulfillment_id: str, sku: str, quantity: int) -> None:
    fl = fulfillment_lines.c
    await conn.execute(
        update(fulfillment_lines).where(fl.fulfillment_id == fulfillment_id, fl.sku == sku).values(quantity=quantity)
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


async def ids_at(conn: AsyncConnection, location_id: str, statuses: Iterable[FulfillmentStatus]) -> list[str]:
    """Every fulfillment at a location in these statuses, oldest first (a closing store's work)."""
    f = fulfillments.c
    wanted = [s.value for s in statuses]
    query = select(f.id).where(f.location_id == location_id, f.status.in_(wanted)).order_by(f.created_at, f.id)
    return list((await conn.execute(query)).scalars())


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
    transfer_from: str | None = None  # a pickup served by a transfer: the location sending it
    transfer_to: str | None = None  # a transfer leg: the pickup store it goes to


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
        row.transfer_from,
        row.transfer_to,
    )


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
