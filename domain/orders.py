"""Orders: lines, fulfillments, statuses and the transitions between them.

An order's status is not set by hand: it derives from its fulfillments
(ALLOCATED, IN_FULFILLMENT, PARTIALLY_FULFILLED, FULFILLED), except ON_HOLD
(waiting for a manual review) and CANCELLED. A fulfillment moves only along
`FULFILLMENT_TRANSITIONS` (`transition`), and a derived order status only
along `ORDER_TRANSITIONS` (`order_transition`); anything else is an
INVALID_TRANSITION. A ship-to-store transfer is two fulfillments: the leg the
source picks, packs and ships (IN_TRANSIT, then RECEIVED at the store), and the
store's pickup, AWAITING_TRANSFER until then. The leg is the store's business,
not the customer's: once shipped it keeps the order IN_FULFILLMENT, and once
received only the pickup counts.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.errors import InvalidInput, InvalidTransition
from domain.locations import FulfillmentMethod, Geo, check_geo

MAX_LINES = 100
MAX_QUANTITY = 10_000
MAX_SERVICES = 5  # gift wrap, engraving, alteration... per order line
MAX_UNIT_PRICE = 10_000_000.0  # in the order's currency: a bound that keeps totals finite


class OrderStatus(enum.Enum):
    ON_HOLD = "ON_HOLD"
    BACKORDERED = "BACKORDERED"  # waiting for stock: a pre-order before its release (nothing allocated yet)
    ALLOCATED = "ALLOCATED"
    IN_FULFILLMENT = "IN_FULFILLMENT"
    PARTIALLY_FULFILLED = "PARTIALLY_FULFILLED"
    FULFILLED = "FULFILLED"
    CANCELLED = "CANCELLED"


class FulfillmentStatus(enum.Enum):
    AWAITING_PICK = "AWAITING_PICK"
    PICKING = "PICKING"
    PICKED = "PICKED"
    PACKED = "PACKED"
    SHIPPED = "SHIPPED"
    IN_TRANSIT = "IN_TRANSIT"  # a transfer leg shipped to the pickup store
    RECEIVED = "RECEIVED"  # a transfer leg the pickup store received
    AWAITING_TRANSFER = "AWAITING_TRANSFER"  # a pickup waiting for its transfer to arrive
    READY_FOR_COLLECTION = "READY_FOR_COLLECTION"
    COLLECTED = "COLLECTED"
    CANCELLED = "CANCELLED"


F = FulfillmentStatus
FULFILLMENT_TRANSITIONS: dict[FulfillmentStatus, frozenset[FulfillmentStatus]] = {
    F.AWAITING_PICK: frozenset({F.PICKING, F.PICKED, F.CANCELLED}),
    F.PICKING: frozenset({F.PICKED, F.AWAITING_PICK, F.CANCELLED}),
    F.PICKED: frozenset({F.PACKED, F.SHIPPED, F.IN_TRANSIT, F.READY_FOR_COLLECTION, F.CANCELLED}),
    F.PACKED: frozenset({F.SHIPPED, F.IN_TRANSIT, F.READY_FOR_COLLECTION, F.CANCELLED}),
    F.IN_TRANSIT: frozenset({F.RECEIVED}),  # on its way: it arrives, even for a cancelled order
    F.RECEIVED: frozenset(),
    F.AWAITING_TRANSFER: frozenset({F.READY_FOR_COLLECTION, F.CANCELLED}),
    F.READY_FOR_COLLECTION: frozenset({F.COLLECTED, F.CANCELLED}),
    F.SHIPPED: frozenset(),
    F.COLLECTED: frozenset(),
    F.CANCELLED: frozenset(),
}
DONE = frozenset({F.SHIPPED, F.COLLECTED})
STARTED = frozenset({F.PICKING, F.PICKED, F.PACKED, F.READY_FOR_COLLECTION})
# Stock leaves the location (reservation converted) once these are reached; before, cancelling frees it.
RELEASABLE = frozenset({F.AWAITING_PICK, F.PICKING, F.PICKED, F.PACKED, F.READY_FOR_COLLECTION})
CANCELLABLE = RELEASABLE | {F.AWAITING_TRANSFER}  # a waiting pickup holds no stock of its own
TRANSFER_LEG = frozenset({F.IN_TRANSIT, F.RECEIVED})  # a shipped leg: not the customer's parcel


OS = OrderStatus
# Every move the derivation can make, and no other: an order never goes back to ON_HOLD, and shipped or
# collected parcels stay done, so FULFILLED and CANCELLED are final and PARTIALLY_FULFILLED only completes.
ORDER_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    # A review approved: whatever the fulfillments say; rejected: cancelled.
    OS.ON_HOLD: frozenset({OS.ALLOCATED, OS.IN_FULFILLMENT, OS.PARTIALLY_FULFILLED, OS.FULFILLED, OS.CANCELLED}),
    # A waiting pre-order is allocated whole at release, or cancelled.
    OS.BACKORDERED: frozenset({OS.ALLOCATED, OS.CANCELLED}),
    OS.ALLOCATED: frozenset({OS.IN_FULFILLMENT, OS.CANCELLED}),
    # Back to ALLOCATED when the started fulfillment is cancelled (a reroute) or returns to AWAITING_PICK.
    OS.IN_FULFILLMENT: frozenset({OS.ALLOCATED, OS.PARTIALLY_FULFILLED, OS.FULFILLED, OS.CANCELLED}),
    OS.PARTIALLY_FULFILLED: frozenset({OS.FULFILLED}),
    OS.FULFILLED: frozenset(),
    OS.CANCELLED: frozenset(),
}


def order_transition(current: OrderStatus, target: OrderStatus) -> OrderStatus:
    """`target` when the table allows the move; INVALID_TRANSITION otherwise."""
    if target not in ORDER_TRANSITIONS[current]:
        raise InvalidTransition(f"An order cannot go from {current.value} to {target.value}", (), current=current.value)
    return target


def transition(current: FulfillmentStatus, target: FulfillmentStatus) -> FulfillmentStatus:
    """`target` when `FULFILLMENT_TRANSITIONS` allows the move; INVALID_TRANSITION otherwise."""
    if target not in FULFILLMENT_TRANSITIONS[current]:
        raise InvalidTransition(
            f"A fulfillment cannot go from {current.value} to {target.value}", (), current=current.value
        )
    return target


def derive_status(
    fulfillments: Iterable[FulfillmentStatus], on_hold: bool = False, *, waiting: bool = False
) -> OrderStatus:
    """`waiting`: the order still has lines waiting for stock (a pre-order not yet released)."""
    statuses = list(fulfillments)
    live = [s for s in statuses if s is not F.CANCELLED and s not in TRANSFER_LEG]
    if not live:
        return OrderStatus.BACKORDERED if waiting and not statuses else OrderStatus.CANCELLED
    if on_hold:
        return OrderStatus.ON_HOLD
    done = sum(1 for s in live if s in DONE)
    if done == len(live):
        return OrderStatus.FULFILLED
    if done:
        return OrderStatus.PARTIALLY_FULFILLED
    if any(s in STARTED for s in live) or F.IN_TRANSIT in statuses:
        return OrderStatus.IN_FULFILLMENT
    return OrderStatus.ALLOCATED


def cancelled(fulfillments: dict[str, FulfillmentStatus]) -> dict[str, FulfillmentStatus]:
    """Each fulfillment that has not left the location, moved to CANCELLED through the transition table;
    what was shipped, delivered or collected stays as it is."""
    return {fid: transition(status, F.CANCELLED) for fid, status in fulfillments.items() if status in CANCELLABLE}


def can_cancel(status: OrderStatus) -> bool:
    """Anything not yet on its way can be cancelled: a partly shipped order loses the rest."""
    return status in (
        OrderStatus.ON_HOLD,
        OrderStatus.BACKORDERED,
        OrderStatus.ALLOCATED,
        OrderStatus.IN_FULFILLMENT,
        OrderStatus.PARTIALLY_FULFILLED,
    )


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    segment: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class OrderLine:
    sku: str
    quantity: int
    unit_price: float
    services: tuple[str, ...] = ()
    no: int | None = None  # the line's number on a placed order (its id is `line_id(order_id, no)`)
    promised_by: datetime | None = None  # a pre-order line: the release date; a backorder line: the inbound ETA
    backordered: int = 0  # units promised against inbound stock, not allocated yet


@dataclass(frozen=True, slots=True)
class Delivery:
    method: FulfillmentMethod
    pickup_location_id: str | None = None
    geo: Geo | None = None
    postal_code: str | None = None
    country: str | None = None
    pickup_slot_starts_at: datetime | None = None  # PICKUP: the slot booked at the pickup store
    geo_from_postal_code: bool = False  # `geo` was looked up from the postal code: the code is what was asked

    def as_asked(self) -> list[Any]:
        """The delivery as the caller gave it (a looked-up geo is not part of the request): for comparisons."""
        geo = None if self.geo_from_postal_code or self.geo is None else [self.geo.lat, self.geo.lon]
        place = [self.postal_code, self.country] if self.geo_from_postal_code else None
        slot = self.pickup_slot_starts_at.isoformat() if self.pickup_slot_starts_at else None
        return [self.method.value, self.pickup_location_id, geo, place, slot]


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What `placeOrder` asks for, before sourcing."""

    idempotency_key: str
    channel: str
    market: str
    customer: Customer
    lines: tuple[OrderLine, ...]
    delivery: Delivery
    risk_score: float | None = None
    checkout_hold_id: str | None = None  # convert this hold: its allocations and slot, no re-sourcing
    allow_backorder: bool = False  # units beyond ATP may be promised against inbound stock

    def fingerprint(self) -> str:
        """Same input, same fingerprint: the idempotency check compares these."""
        body = _plain(self)
        body.pop("idempotency_key", None)
        # fields added later leave the fingerprint of an order that does not use them as it was
        if body["checkout_hold_id"] is None:
            del body["checkout_hold_id"]
        if not body["allow_backorder"]:
            del body["allow_backorder"]
        for line in body["lines"]:  # set on stored lines only, never asked for
            line.pop("no", None)
            line.pop("promised_by", None)
            line.pop("backordered", None)
        delivery = body["delivery"]
        if delivery["pickup_slot_starts_at"] is None:
            del delivery["pickup_slot_starts_at"]
        if delivery.pop("geo_from_postal_code"):  # what was asked is the code; the table may move its centre
            delivery["geo"] = None
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()

    @property
    def total(self) -> float:
        return round(sum(line.quantity * line.unit_price for line in self.lines), 2)

    def placed(self, order_id: str, status: OrderStatus, at: datetime, plan: dict[str, Any]) -> Order:
        """The order this request became, as it was written."""
        fields = (self.channel, self.market, self.customer, self.lines, self.delivery, self.total, at)
        return Order(order_id, status, *fields, self.risk_score, plan)


def _plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(getattr(value, k)) for k in value.__dataclass_fields__}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    return value


def validate(order: OrderRequest, known_skus: set[str]) -> None:
    """Raise InvalidInput for the first thing wrong with the order (fields name the input path)."""
    if not order.idempotency_key.strip():
        raise InvalidInput("idempotencyKey must not be empty", ("idempotencyKey",))
    if not order.customer.id.strip():
        raise InvalidInput("customer.id must not be empty", ("customer", "id"))
    if not order.lines or len(order.lines) > MAX_LINES:
        raise InvalidInput(f"An order has 1 to {MAX_LINES} lines", ("lines",))
    for index, line in enumerate(order.lines):
        validate_line(line, index, known_skus)
    validate_delivery(order.delivery)
    if order.risk_score is not None and not 0 <= order.risk_score <= 1000:
        raise InvalidInput("riskScore must be between 0 and 1000", ("riskScore",))


def validate_line(line: OrderLine, index: int, known_skus: set[str], where: str = "lines") -> None:
    path = (where, str(index))
    if not 0 < line.quantity <= MAX_QUANTITY:
        raise InvalidInput(f"quantity must be 1 to {MAX_QUANTITY}", (*path, "quantity"), quantity=line.quantity)
    if not 0 <= line.unit_price <= MAX_UNIT_PRICE:  # NaN fails this too
        raise InvalidInput(f"unitPrice must be 0 to {MAX_UNIT_PRICE:,.0f}", (*path, "unitPrice"))
    if line.sku not in known_skus:
        raise InvalidInput(f"Unknown SKU {line.sku!r}", (*path, "sku"), sku=line.sku)
    if len(line.services) > MAX_SERVICES or any(not 0 < len(s.strip()) <= 64 for s in line.services):
        raise InvalidInput(f"At most {MAX_SERVICES} services per line, each 1 to 64 characters", (*path, "services"))


def validate_delivery(delivery: Delivery) -> None:
    if delivery.pickup_slot_starts_at is not None and delivery.method is not FulfillmentMethod.PICKUP:
        raise InvalidInput("Only a PICKUP delivery books a pickup slot", ("delivery", "pickupSlotStartsAt"))
    if delivery.method is FulfillmentMethod.PICKUP and not delivery.pickup_location_id:
        raise InvalidInput("PICKUP needs pickupLocationId", ("delivery", "pickupLocationId"))
    if delivery.method is not FulfillmentMethod.PICKUP and delivery.geo is None:
        raise InvalidInput(
            f"{delivery.method.value} needs destination.geo, or destination.postalCode and country",
            ("delivery", "destination"),
        )
    if delivery.geo is not None:
        check_geo(delivery.geo, ("delivery", "destination", "geo"))


@dataclass(frozen=True, slots=True)
class FulfillmentLine:
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Fulfillment:
    id: str
    order_id: str
    location_id: str
    method: FulfillmentMethod
    status: FulfillmentStatus
    lines: tuple[FulfillmentLine, ...]
    transfer_from: str | None = None  # a pickup served by a transfer: the location sending it
    transfer_to: str | None = None  # a transfer leg: the pickup store it goes to


@dataclass(frozen=True, slots=True)
class OrderEvent:
    order_id: str
    type: str
    status: OrderStatus
    at: datetime
    message: str | None = None


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    status: OrderStatus
    channel: str
    market: str
    customer: Customer
    lines: tuple[OrderLine, ...]
    delivery: Delivery
    total: float
    created_at: datetime
    risk_score: float | None = None
    plan: dict[str, Any] = field(default_factory=dict)


def fulfillment_lines(allocations: Sequence[tuple[str, str, int]]) -> dict[str, list[FulfillmentLine]]:
    """Group (location, sku, qty) allocations into one fulfillment per location."""
    grouped: dict[str, list[FulfillmentLine]] = {}
    for location_id, sku, qty in allocations:
        grouped.setdefault(location_id, []).append(FulfillmentLine(sku, qty))
    return grouped


class ReturnStatus(enum.Enum):
    REQUESTED = "REQUESTED"
    RECEIVED = "RECEIVED"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True, slots=True)
class ReturnLine:
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ReturnRequest:
    order_id: str
    lines: tuple[ReturnLine, ...]
    reason: str
    location_id: str | None = None


def check_returnable(request: ReturnRequest, delivered: dict[str, int], returned: dict[str, int]) -> None:
    """A return may only take back units that reached the customer and are not already on a return."""
    if not request.lines:
        raise InvalidInput("A return needs at least one line", ("lines",))
    if not request.reason.strip():
        raise InvalidInput("A return needs a reason", ("reason",))
    wanted: dict[str, int] = {}
    for index, line in enumerate(request.lines):
        if line.quantity <= 0:
            raise InvalidInput("quantity must be positive", ("lines", str(index), "quantity"))
        wanted[line.sku] = wanted.get(line.sku, 0) + line.quantity
    for index, line in enumerate(request.lines):
        left = delivered.get(line.sku, 0) - returned.get(line.sku, 0)
        if wanted[line.sku] > left:
            raise InvalidInput(
                f"Only {max(left, 0)} of {line.sku} can be returned (delivered {delivered.get(line.sku, 0)}, "
                f"already returned {returned.get(line.sku, 0)})",
                ("lines", str(index), "quantity"),
                sku=line.sku,
            )
