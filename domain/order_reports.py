"""What carriers and the ERP tell us about a placed order: a parcel delivered, an order taken over.

A parcel is delivered only after it was handed over and not in the future; a
repeated report changes nothing. An ERP acknowledges an order once under one
reference; the same reference again is a no-op, another is refused.
"""

from __future__ import annotations

from datetime import datetime

from domain.errors import InvalidInput, InvalidTransition
from domain.orders import FulfillmentStatus

F = FulfillmentStatus


def check_delivery(
    fulfillment_id: str,
    status: FulfillmentStatus,
    delivered_at: datetime | None,
    at: datetime,
    now: datetime,
    *,
    shipped_at: datetime | None = None,
) -> bool:
    """A carrier's delivery report: True when it is news, False when already recorded (repeats change nothing).
    A parcel is delivered after it was handed over (`shipped_at`) and not after now."""
    if status is not F.SHIPPED:
        raise InvalidTransition(
            f"Fulfillment {fulfillment_id} is {status.value}; only a SHIPPED parcel is delivered", ("fulfillmentId",)
        )
    if delivered_at is not None:
        return False
    if at > now:
        raise InvalidInput("deliveredAt is in the future", ("deliveredAt",))
    if shipped_at is not None and at < shipped_at:
        raise InvalidInput(
            f"deliveredAt is before the parcel was handed over ({shipped_at.isoformat()})", ("deliveredAt",)
        )
    return True


def validate_reference(reference: str) -> None:
    if not reference.strip():
        raise InvalidInput("erpReference must not be empty", ("erpReference",))


def check_acknowledgement(order_id: str, current: str | None, reference: str) -> bool:
    """An ERP taking an order over: True when new, False for the same reference again; another is refused."""
    if current == reference:
        return False
    if current is not None:
        raise InvalidTransition(f"Order {order_id} was acknowledged as {current}", ("erpReference",))
    return True
