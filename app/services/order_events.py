"""The orders topic: every order event, for `orderStatusChanged` subscribers, emitted after commit."""

from __future__ import annotations

from app.services.uow import UnitOfWork
from domain.orders import OrderEvent

ORDERS_TOPIC = "orders"


def announce(uow: UnitOfWork, event: OrderEvent) -> None:
    uow.emit(
        ORDERS_TOPIC,
        {
            "orderId": event.order_id,
            "type": event.type,
            "status": event.status.value,
            "at": event.at.isoformat(),
            "message": event.message,
        },
    )
