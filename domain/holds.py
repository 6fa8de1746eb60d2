"""Checkout holds: units (and a pickup slot, and a unit of daily capacity) kept for a shopper during checkout.

A hold is sourced like an order and reserves like one, but only until
`expires_at`. Expiry is a fact of time, not of a job: a hold past its
`expires_at` counts nowhere, whether or not the sweeper has marked it EXPIRED.
It ends RELEASED (the shopper gave up), EXPIRED, or CONVERTED into the order
placed with it, which takes over its allocations and slot unchanged.
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from domain.errors import Forbidden, HoldExpired, InvalidInput, InvalidTransition
from domain.orders import MAX_LINES, MAX_QUANTITY, Delivery, OrderRequest, validate_delivery
from domain.sourcing import Line, merge_lines

DEFAULT_TTL_SECONDS = 900
MIN_TTL_SECONDS = 60
MAX_TTL_SECONDS = 3600


class HoldStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"
    CONVERTED = "CONVERTED"


H = HoldStatus
HOLD_TRANSITIONS: dict[HoldStatus, frozenset[HoldStatus]] = {
    H.ACTIVE: frozenset({H.RELEASED, H.EXPIRED, H.CONVERTED}),
    H.RELEASED: frozenset(),
    H.EXPIRED: frozenset(),
    H.CONVERTED: frozenset(),
}


def transition(current: HoldStatus, target: HoldStatus) -> HoldStatus:
    """`target` when `HOLD_TRANSITIONS` allows the move; INVALID_TRANSITION otherwise."""
    if target not in HOLD_TRANSITIONS[current]:
        raise InvalidTransition(
            f"A hold that is {current.value} cannot become {target.value}", ("id",), current=current.value
        )
    return target


@dataclass(frozen=True, slots=True)
class HoldRequest:
    """What `createCheckoutHold` asks for."""

    idempotency_key: str
    channel: str
    market: str
    lines: tuple[Line, ...]
    delivery: Delivery
    ttl_seconds: int = DEFAULT_TTL_SECONDS

    def fingerprint(self) -> str:
        body = {
            "channel": self.channel,
            "market": self.market,
            "lines": cart_key(self.lines),
            "delivery": _delivery_key(self.delivery),
            "ttl": self.ttl_seconds,
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def cart_key(lines: tuple[Line, ...] | list[Line]) -> list[tuple[str, int]]:
    """A cart as a comparable value: one (sku, quantity) per SKU, sorted."""
    return sorted((x.sku, x.quantity) for x in merge_lines(lines))


def _delivery_key(delivery: Delivery) -> list[Any]:
    return delivery.as_asked()


def check_ttl(ttl_seconds: int, field_path: tuple[str, ...]) -> None:
    if not MIN_TTL_SECONDS <= ttl_seconds <= MAX_TTL_SECONDS:
        raise InvalidInput(
            f"ttlSeconds must be {MIN_TTL_SECONDS} to {MAX_TTL_SECONDS}", field_path, ttlSeconds=ttl_seconds
        )


def validate(request: HoldRequest, known_skus: set[str]) -> None:
    """Raise InvalidInput for the first thing wrong with the hold request (fields name the input path)."""
    if not request.idempotency_key.strip() or len(request.idempotency_key) > 200:
        raise InvalidInput("idempotencyKey must be 1 to 200 characters", ("idempotencyKey",))
    if not request.lines or len(request.lines) > MAX_LINES:
        raise InvalidInput(f"A hold has 1 to {MAX_LINES} lines", ("lines",))
    for index, line in enumerate(request.lines):
        if not 0 < line.quantity <= MAX_QUANTITY:
            raise InvalidInput(f"quantity must be 1 to {MAX_QUANTITY}", ("lines", str(index), "quantity"))
        if line.sku not in known_skus:
            raise InvalidInput(f"Unknown SKU {line.sku!r}", ("lines", str(index), "sku"), sku=line.sku)
    validate_delivery(request.delivery)
    check_ttl(request.ttl_seconds, ("ttlSeconds",))


@dataclass(frozen=True, slots=True)
class Hold:
    """A stored hold as its owner and staff read it."""

    id: str
    status: HoldStatus
    owner: str
    channel: str
    market: str
    lines: tuple[Line, ...]
    delivery: Delivery
    plan: dict[str, Any]
    capacity_days: dict[str, str]  # location -> the local day whose capacity it claimed
    expires_at: datetime
    created_at: datetime
    order_id: str | None = None
    fingerprint: str = ""
    slot: tuple[str, datetime] | None = None  # (location, starts at) it booked
    allocations: tuple[tuple[str, str, int], ...] = field(default=())  # (location, sku, quantity)

    def status_at(self, now: datetime) -> HoldStatus:
        """ACTIVE past `expires_at` reads EXPIRED at once: expiry does not wait for the sweeper."""
        if self.status is H.ACTIVE and now >= self.expires_at:
            return H.EXPIRED
        return self.status


def may_use(hold: Hold, subject: str, staff: bool, field_path: tuple[str, ...] = ("id",)) -> None:
    """A hold is read and changed only by the caller that created it, or by staff."""
    if not staff and hold.owner != subject:
        raise Forbidden("This checkout hold belongs to another caller", field_path)


def check_live(hold: Hold, now: datetime, field_path: tuple[str, ...] = ("id",)) -> None:
    """Still ACTIVE and not past its time: else INVALID_TRANSITION (ended) or HOLD_EXPIRED."""
    status = hold.status_at(now)
    if status is H.EXPIRED:
        raise HoldExpired(f"Checkout hold {hold.id} expired at {hold.expires_at.isoformat()}", field_path)
    if status is not H.ACTIVE:
        raise InvalidTransition(f"Checkout hold {hold.id} is {status.value}", field_path, status=status.value)


def extended_until(hold: Hold, ttl_seconds: int, now: datetime) -> datetime:
    """A live hold's new expiry: `ttl_seconds` from now (60..3600), never earlier than it was."""
    check_ttl(ttl_seconds, ("ttlSeconds",))
    check_live(hold, now)
    return max(hold.expires_at, now + timedelta(seconds=ttl_seconds))


def check_matches(hold: Hold, order: OrderRequest) -> None:
    """An order placed with a hold asks for exactly what the hold holds (same cart, same delivery)."""
    if (hold.channel, hold.market) != (order.channel, order.market):
        raise InvalidInput("channel and market must be the hold's", ("checkoutHoldId",))
    if cart_key([Line(x.sku, x.quantity) for x in order.lines]) != cart_key(hold.lines):
        raise InvalidInput("The order's lines differ from the hold's", ("lines",))
    if _delivery_key(order.delivery) != _delivery_key(hold.delivery):
        raise InvalidInput("The order's delivery differs from the hold's", ("delivery",))
