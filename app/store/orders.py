"""Queries for orders, their lines, fulfillments and events; guarded reservation writes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from app.store import driver
from app.store.sql import at_least_zero, for_update, upsert
from app.store.tables import fulfillment_lines, fulfillments, order_events, order_lines, orders, positions, returns
from domain.locations import FulfillmentMethod, Geo
from domain.orders import (
    Customer,
    Delivery,
    Fulfillment,
    FulfillmentLine,
    FulfillmentStatus,
    Order,
    OrderEvent,
    OrderLine,
    OrderRequest,
    OrderStatus,
    ReturnRequest,
    ReturnStatus,
)


def delivery_to_json(delivery: Delivery) -> dict[str, Any]:
    return {
        "method": delivery.method.value,
        "pickup_location_id": delivery.pickup_location_id,
        "geo": [delivery.geo.lat, delivery.geo.lon] if delivery.geo else None,
        "postal_code": delivery.postal_code,
        "country": delivery.country,
    }


def delivery_from_json(raw: dict[str, Any]) -> Delivery:
    geo = raw.get("geo")
    return Delivery(
        FulfillmentMethod(raw["method"]),
        raw.get("pickup_location_id"),
        Geo(geo[0], geo[1]) if geo else None,
        raw.get("postal_code"),
        raw.get("country"),
    )


async def claim_idempotency_key(
    conn: AsyncConnection,
    order_id: str,
    request: OrderRequest,
    now: datetime,
    *,
    status: OrderStatus = OrderStatus.ALLOCATED,
    on_hold: bool = False,
    plan: dict[str, Any] | None = None,
) -> bool:
    """Insert the order's row first: True when this key is new. A concurrent duplicate waits here."""
    stmt = upsert(conn, orders).values(
        id=order_id,
        idempotency_key=request.idempotency_key,
        fingerprint=request.fingerprint(),
        status=status.value,
        on_hold=on_hold,
        channel=request.channel,
        market=request.market,
        customer_id=request.customer.id,
        customer_segment=request.customer.segment,
        customer_email=request.customer.email,
        delivery=delivery_to_json(request.delivery),
        total=request.total,
        risk_score=request.risk_score,
        plan=plan or {},
        created_at=now,
        updated_at=now,
    )
    return (await conn.execute(stmt.on_conflict_do_nothing(index_elements=["idempotency_key"]))).rowcount == 1


async def by_idempotency_key(conn: AsyncConnection, key: str) -> tuple[str, str] | None:
    """(order id, fingerprint) of the order placed with this key."""
    row = (await conn.execute(select(orders.c.id, orders.c.fingerprint).where(orders.c.idempotency_key == key))).first()
    return (row.id, row.fingerprint) if row else None


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
        .values(reserved=p.reserved + quantity, updated_at=bindparam("at_time", type_=positions.c.updated_at.type))
    )


_RESERVE = _reserve_statement()
_RESERVE_PG = driver.Precompiled(_RESERVE)


async def reserve(
    conn: AsyncConnection, *, sku: str, location_id: str, quantity: int, held: int, now: datetime
) -> bool:
    """The guarded reservation: succeeds only while free stock above the held-back units covers it."""
    values = {"at_sku": sku, "at_location": location_id, "quantity": quantity, "held": held, "at_time": now}
    pg = await driver.asyncpg_connection(conn)
    if pg is not None:
        return await driver.execute(conn, pg, _RESERVE_PG, values) == 1
    return (await conn.execute(_RESERVE, values)).rowcount == 1


async def release(conn: AsyncConnection, sku: str, location_id: str, quantity: int, now: datetime) -> None:
    p = positions.c
    stmt = (
        update(positions)
        .where(p.sku == sku, p.location_id == location_id)
        .values(reserved=at_least_zero(conn, p.reserved - quantity), updated_at=now)
    )
    await conn.execute(stmt)


async def save_order_details(
    conn: AsyncConnection,
    *,
    order_id: str,
    request: OrderRequest,
    groups: dict[str, list[FulfillmentLine]],
    ids: dict[str, str],
    now: datetime,
    plan: dict[str, Any] | None = None,
) -> None:
    """Lines, one fulfillment per location with its lines, and the plan on the order (when given)."""
    await conn.execute(
        order_lines.insert(),
        [
            {
                "order_id": order_id,
                "line_no": n,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "services": list(line.services),
            }
            for n, line in enumerate(request.lines, start=1)
        ],
    )
    if groups:
        await add_fulfillments(conn, order_id=order_id, method=request.delivery.method, groups=groups, ids=ids, now=now)
    if plan is not None:
        await conn.execute(update(orders).where(orders.c.id == order_id).values(plan=plan))


async def add_event(conn: AsyncConnection, event: OrderEvent) -> None:
    await conn.execute(
        order_events.insert().values(
            order_id=event.order_id, type=event.type, status=event.status.value, at=event.at, message=event.message
        )
    )


async def set_status(
    conn: AsyncConnection, order_id: str, status: OrderStatus, now: datetime, *, on_hold: bool | None = None
) -> None:
    """Write the status the domain derived (and the hold flag it derived it from, when it changes)."""
    values: dict[str, Any] = {"status": status.value, "updated_at": now}
    if on_hold is not None:
        values["on_hold"] = on_hold
    await conn.execute(update(orders).where(orders.c.id == order_id).values(**values))


async def set_fulfillment_status(
    conn: AsyncConnection, fulfillment_id: str, status: FulfillmentStatus, now: datetime
) -> None:
    await conn.execute(
        update(fulfillments).where(fulfillments.c.id == fulfillment_id).values(status=status.value, updated_at=now)
    )


async def fulfillments_today(conn: AsyncConnection, day: str, location_ids: Iterable[str]) -> dict[str, int]:
    """Live fulfillments created today at these locations (daily capacity use)."""
    wanted = sorted(set(location_ids))
    if not wanted:
        return {}
    f = fulfillments.c
    query = (
        select(f.location_id, func.count())
        .where(f.location_id.in_(wanted), f.day == day, f.status != FulfillmentStatus.CANCELLED.value)
        .group_by(f.location_id)
    )
    return {loc: int(n) for loc, n in await conn.execute(query)}


def _order_from_row(row: Any) -> Order:
    return Order(
        id=row.id,
        status=OrderStatus(row.status),
        channel=row.channel,
        market=row.market,
        customer=Customer(row.customer_id, row.customer_segment, row.customer_email),
        lines=(),
        delivery=delivery_from_json(row.delivery),
        total=row.total,
        created_at=row.created_at,
        risk_score=row.risk_score,
        plan=row.plan or {},
    )


async def orders_by_id(conn: AsyncConnection, ids: Iterable[str]) -> dict[str, Order]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    found = {row.id: _order_from_row(row) for row in await conn.execute(select(orders).where(orders.c.id.in_(wanted)))}
    lines: dict[str, list[OrderLine]] = {}
    query = (
        select(order_lines)
        .where(order_lines.c.order_id.in_(wanted))
        .order_by(order_lines.c.order_id, order_lines.c.line_no)
    )
    for row in await conn.execute(query):
        lines.setdefault(row.order_id, []).append(OrderLine(row.sku, row.quantity, row.unit_price, tuple(row.services)))
    return {oid: _with_lines(order, lines.get(oid, [])) for oid, order in found.items()}


def _with_lines(order: Order, lines: list[OrderLine]) -> Order:
    return replace(order, lines=tuple(lines))


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
            )
        )
    return result


async def events_for_orders(conn: AsyncConnection, order_ids: Iterable[str]) -> dict[str, list[OrderEvent]]:
    wanted = sorted(set(order_ids))
    result: dict[str, list[OrderEvent]] = {oid: [] for oid in wanted}
    if not wanted:
        return result
    query = (
        select(order_events)
        .where(order_events.c.order_id.in_(wanted))
        .order_by(order_events.c.order_id, order_events.c.id)
    )
    for row in await conn.execute(query):
        result[row.order_id].append(OrderEvent(row.order_id, row.type, OrderStatus(row.status), row.at, row.message))
    return result


@dataclass(frozen=True, slots=True)
class PageKey:
    created_at: datetime
    id: str


async def page(
    conn: AsyncConnection,
    *,
    first: int,
    after: PageKey | None,
    status: OrderStatus | None,
    customer_id: str | None,
    location_ids: frozenset[str] | None = None,
    channels: frozenset[str] | None = None,
) -> list[tuple[str, datetime]]:
    """Order ids newest first, keyset-paginated; one more than `first` tells whether a next page exists.

    With `location_ids`, only orders with a fulfillment at one of them; with `channels`, only those channels.
    """
    o = orders.c
    conditions: list[ColumnElement[bool]] = []
    if location_ids is not None:
        at = select(fulfillments.c.order_id).where(fulfillments.c.location_id.in_(sorted(location_ids)))
        conditions.append(o.id.in_(at))
    if channels is not None:
        conditions.append(o.channel.in_(sorted(channels)))
    if status is not None:
        conditions.append(o.status == status.value)
    if customer_id is not None:
        conditions.append(o.customer_id == customer_id)
    if after is not None:
        conditions.append(or_(o.created_at < after.created_at, and_(o.created_at == after.created_at, o.id < after.id)))
    query = select(o.id, o.created_at).where(*conditions).order_by(o.created_at.desc(), o.id.desc()).limit(first + 1)
    return [(row.id, row.created_at) for row in await conn.execute(query)]


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


async def lock_order(conn: AsyncConnection, order_id: str) -> Any:
    """The order row, locked for this transaction on PostgreSQL (SQLite holds the write lock already)."""
    query = select(orders).where(orders.c.id == order_id)
    query = for_update(conn, query)
    return (await conn.execute(query)).first()


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


async def returned_units(conn: AsyncConnection, order_id: str) -> dict[str, int]:
    query = select(returns.c.lines).where(
        returns.c.order_id == order_id, returns.c.status != ReturnStatus.CANCELLED.value
    )
    totals: dict[str, int] = {}
    for (lines,) in await conn.execute(query):
        for line in lines:
            totals[line["sku"]] = totals.get(line["sku"], 0) + int(line["quantity"])
    return totals


async def save_return(conn: AsyncConnection, return_id: str, request: ReturnRequest, now: datetime) -> None:
    await conn.execute(
        returns.insert().values(
            id=return_id,
            order_id=request.order_id,
            status=ReturnStatus.REQUESTED.value,
            location_id=request.location_id,
            reason=request.reason,
            lines=[{"sku": x.sku, "quantity": x.quantity} for x in request.lines],
            created_at=now,
        )
    )


async def get_return(conn: AsyncConnection, return_id: str) -> Any:
    query = select(returns).where(returns.c.id == return_id)
    query = for_update(conn, query)
    return (await conn.execute(query)).first()


async def set_return_status(
    conn: AsyncConnection, return_id: str, status: ReturnStatus, location_id: str | None = None
) -> None:
    values: dict[str, Any] = {"status": status.value}
    if location_id is not None:
        values["location_id"] = location_id
    await conn.execute(update(returns).where(returns.c.id == return_id).values(**values))


async def add_fulfillments(
    conn: AsyncConnection,
    *,
    order_id: str,
    method: FulfillmentMethod,
    groups: dict[str, list[FulfillmentLine]],
    ids: dict[str, str],
    now: datetime,
) -> None:
    """One AWAITING_PICK fulfillment per location with its lines: when an order is placed, and when units
    are rerouted from a store that could not pick them."""
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


async def acknowledge(conn: AsyncConnection, order_id: str, reference: str, now: datetime) -> None:
    await conn.execute(
        update(orders).where(orders.c.id == order_id).values(erp_reference=reference, acknowledged_at=now)
    )
