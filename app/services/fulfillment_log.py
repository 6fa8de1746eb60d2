"""Moving fulfillments along their transition table, and telling the order (and the world) what changed.

Every move is checked by `domain.orders.transition`, written, recorded in the
outbox as `fulfillment.status_changed`, and the order's status is derived
again from all its fulfillments; when that changes, an order event is stored,
recorded and published to `orderStatusChanged`.
"""

from __future__ import annotations

from typing import Any

from app.services.order_events import announce
from app.services.uow import UnitOfWork
from app.store import fulfillments as fulfillment_store
from app.store import orders as order_store
from domain import orders as rules
from domain.orders import FulfillmentStatus, OrderEvent, OrderStatus


async def move(
    uow: UnitOfWork,
    *,
    order_id: str,
    fulfillment_id: str,
    current: FulfillmentStatus,
    target: FulfillmentStatus,
    message: str,
    extra: dict[str, Any] | None = None,
) -> None:
    """One fulfillment to `target`, then the order's derived status."""
    rules.transition(current, target)
    await fulfillment_store.set_fulfillment_status(uow.conn, fulfillment_id, target, uow.now)
    change = {"fulfillmentId": fulfillment_id, "orderId": order_id, "status": target.value} | (extra or {})
    await uow.record("fulfillment.status_changed", change)
    await follow_order(uow, order_id, message)


async def advance(
    uow: UnitOfWork,
    row: fulfillment_store.FulfillmentRow,
    target: FulfillmentStatus,
    message: str,
    extra: dict[str, Any] | None = None,
) -> None:
    """`move` for a fulfillment row a command has locked."""
    await move(
        uow,
        order_id=row.order_id,
        fulfillment_id=row.id,
        current=row.status,
        target=target,
        message=message,
        extra=extra,
    )


async def follow_order(uow: UnitOfWork, order_id: str, message: str, *, event_type: str | None = None) -> OrderStatus:
    """Derive the order's status from its fulfillments; store an event when it moved (or when asked to)."""
    row = await order_store.lock_order(uow.conn, order_id)
    lines = await fulfillment_store.fulfillment_rows(uow.conn, order_id)
    statuses = {line.id: FulfillmentStatus(line.status) for line in lines}
    status = rules.derive_status(statuses.values(), on_hold=bool(row.on_hold))
    if status.value == row.status and event_type is None:
        return status
    if status.value != row.status:
        rules.order_transition(OrderStatus(row.status), status)
        await order_store.set_status(uow.conn, order_id, status, uow.now)
        await uow.record("order.status_changed", {"orderId": order_id, "status": status.value, "reason": message})
    event = OrderEvent(order_id, event_type or "order.status_changed", status, uow.now, message)
    await order_store.add_event(uow.conn, event)
    announce(uow, event)
    return status
