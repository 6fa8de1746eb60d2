"""Pre-orders: an item with a future release date is sold only as a pre-order until then.

Before its `release_at` an item's stock on hand is not sold (its ATP is 0 and
sourcing never allocates it); an order for it is taken as a pre-order instead,
promised for the release date, up to the item's `preorder_limit` units in all
(no limit when none is set). A pre-order reserves nothing when placed: at the
release it is sourced like a new order, oldest first, allocated whole or left
waiting (and says why). An item with pre-orders goes on general sale only once
the release job has served them: between its release and that run it is still
sold as a pre-order, so no ordinary order takes the stock the queue waits for.
A cart mixes pre-order items with nothing else: the rest could ship today, the
pre-order not, and splitting that is the shopper's choice, not ours. A
pre-order books no pickup slot: its day is not known.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from domain.errors import InsufficientStock, InvalidInput
from domain.orders import OrderRequest

WAITING = "WAITING"
RELEASED = "RELEASED"
CANCELLED = "CANCELLED"


@dataclass(frozen=True, slots=True)
class PreorderItem:
    """An item not yet released, as read with the order's stock."""

    sku: str
    release_at: datetime
    limit: int | None  # None: no limit
    units: int  # units pre-ordered so far

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.units, 0)


def unreleased(
    release_at: datetime | None, now: datetime, *, preordered: int = 0, opened_at: datetime | None = None
) -> bool:
    """Not on general sale at `now`: before its release, and, for an item with pre-orders, after it until
    the release job has served them (they are first in line for the stock; an order taken meanwhile joins
    them as a pre-order). `opened_at` is when the job opened the sale (None: not yet)."""
    if release_at is None:
        return False
    if release_at > now:
        return True
    return preordered > 0 and (opened_at is None or opened_at > now)


def preorder_lines(request: OrderRequest, items: Mapping[str, PreorderItem]) -> list[int]:
    """Indexes of the request's lines that are pre-orders."""
    return [i for i, line in enumerate(request.lines) if line.sku in items]


def check_request(request: OrderRequest, items: Mapping[str, PreorderItem]) -> dict[str, int]:
    """A pre-order as asked: only pre-order items, no pickup slot. Returns the units wanted per SKU
    (the limit is checked by the guarded claim, after the idempotency key: a replay gets its order)."""
    others = [i for i, line in enumerate(request.lines) if line.sku not in items]
    if others:
        sku = request.lines[others[0]].sku
        raise InvalidInput(
            f"{sku} is in stock now and the cart holds pre-order items: order them separately",
            ("lines", str(others[0]), "sku"),
            sku=sku,
        )
    if request.delivery.pickup_slot_starts_at is not None:
        raise InvalidInput("A pre-order books no pickup slot before its release", ("delivery", "pickupSlotStartsAt"))
    wanted: dict[str, int] = {}
    for line in request.lines:
        wanted[line.sku] = wanted.get(line.sku, 0) + line.quantity
    return wanted


def line_of(request: OrderRequest, sku: str) -> int:
    return next(i for i, line in enumerate(request.lines) if line.sku == sku)


def limit_reached(item: PreorderItem, requested: int, line: int = 0) -> InsufficientStock:
    left = item.remaining or 0
    return InsufficientStock(
        f"{item.sku} is a pre-order (release {item.release_at.isoformat()}) limited to {item.limit} units; "
        f"{left} left, {requested} asked",
        ("lines", str(line), "quantity"),
        sku=item.sku,
        requested=requested,
        available=left,
        limit=item.limit,
    )


def release_date(items: Iterable[PreorderItem]) -> datetime:
    """When the whole pre-order can be released: its latest item's release."""
    return max(item.release_at for item in items)


def promised(request: OrderRequest, items: Mapping[str, PreorderItem]) -> str:
    dates = sorted({items[line.sku].release_at.isoformat() for line in request.lines})
    return f"Pre-order: promised for {', '.join(dates)}; stock is allocated at the release"


def waiting_note(short: Iterable[tuple[str, int]], backorder: bool = False) -> str:
    """Why a released pre-order (or a backorder) is still waiting: the units sourcing could not allocate."""
    parts = [f"{qty} x {sku}" for sku, qty in short]
    what = "Backorder not allocated yet" if backorder else "Released but not allocated yet"
    return f"{what}, short of {', '.join(parts)}; waiting for stock"


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One item's pre-order figures for the report."""

    sku: str
    release_at: datetime | None
    limit: int | None
    preordered: int
    waiting: int
    released: int
    on_hand: int
    inbound: int
    inbound_eta: datetime | None
    backlog: tuple[tuple[datetime, int, int], ...]  # (promised by, orders, units) of waiting lines, by date
