"""Queries for orders: the idempotent first insert, lines, status, events, keyset pages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from app.store.fulfillments import add_fulfillments
from app.store.sql import for_update, upsert
from app.store.tables.orders import fulfillments, order_events, order_lines, orders
from domain.locations import FulfillmentMethod, Geo
from domain.orders import Customer, Delivery, FulfillmentLine, Order, OrderEvent, OrderLine, OrderRequest, OrderStatus


def delivery_to_json(delivery: Delivery) -> dict[str, Any]:
    slot = delivery.pickup_slot_starts_at
    return (
        {
            "method": delivery.method.value,
            "pickup_location_id": delivery.pickup_location_id,
            "geo": [delivery.geo.lat, delivery.geo.lon] if delivery.geo else None,
            "postal_code": delivery.postal_code,
            "country": delivery.country,
        }
        | ({"pickup_slot_starts_at": slot.isoformat()} if slot else {})
        | ({"geo_from_postal_code": True} if delivery.geo_from_postal_code else {})
    )


def delivery_from_json(raw: dict[str, Any]) -> Delivery:
    geo = raw.get("geo")
    return Delivery(
        FulfillmentMethod(raw["method"]),
        raw.get("pickup_location_id"),
        Geo(geo[0], geo[1]) if geo else None,
        raw.get("postal_code"),
        raw.get("country"),
        datetime.fromisoformat(raw["pickup_slot_starts_at"]) if raw.get("pickup_slot_starts_at") else None,
        bool(raw.get("geo_from_postal_code")),
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


async def save_order_details(
    conn: AsyncConnection,
    *,
    order_id: str,
    request: OrderRequest,
    groups: dict[str, list[FulfillmentLine]],
    ids: dict[str, str],
    now: datetime,
    plan: dict[str, Any] | None = None,
    capacity_days: dict[str, str] | None = None,
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
        await add_fulfillments(
            conn,
            order_id=order_id,
            method=request.delivery.method,
            groups=groups,
            ids=ids,
            now=now,
            capacity_days=capacity_days,
        )
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
        .where(order_lines.c.order_id.in_(wanted), order_lines.c.quantity > 0)  # a removed line stays at 0
        .order_by(order_lines.c.order_id, order_lines.c.line_no)
    )
    for row in await conn.execute(query):
        line = OrderLine(
            row.sku, row.quantity, row.unit_price, tuple(row.services), row.line_no, row.promised_by, row.backordered
        )
        lines.setdefault(row.order_id, []).append(line)
    return {oid: _with_lines(order, lines.get(oid, [])) for oid, order in found.items()}


def _with_lines(order: Order, lines: list[OrderLine]) -> Order:
    return replace(order, lines=tuple(lines))


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


async def order_row(conn: AsyncConnection, order_id: str) -> Any:
    """The order row, not locked (a look before deciding whether a locked write is worth it)."""
    return (await conn.execute(select(orders).where(orders.c.id == order_id))).first()


async def lock_order(conn: AsyncConnection, order_id: str) -> Any:
    """The order row, locked for this transaction on PostgreSQL (SQLite holds the write lock already)."""
    query = select(orders).where(orders.c.id == order_id)
    query = for_update(conn, query)
    return (await conn.execute(query)).first()


async def acknowledge(conn: AsyncConnection, order_id: str, reference: str, now: datetime) -> None:
    await conn.execute(
        update(orders).where(orders.c.id == order_id).values(erp_reference=reference, acknowledged_at=now)
    )
