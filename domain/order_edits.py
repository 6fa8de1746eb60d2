"""Editing a placed order: what may change, and what the change does to its fulfillments.

Only what has not been picked can change. An order line's units sit on the order's fulfillments by
SKU: removing or reducing a line takes units of its SKU off fulfillments still AWAITING_PICK (never
off work being picked or later), and a fulfillment left with no units is cancelled. Added lines and
increased quantities are sourced afresh; everything else stays where it is, unless the delivery
changes how or where the order is handed over (another method or pickup store): then every unit is
sourced again, and an order with work already picked cannot change that way.

Lines keep their numbers for the order's life: a removed line keeps its row at quantity 0 and its
number is never reused; an added line takes the next number. A cancelled or fulfilled order cannot
be edited. An edit applies once per idempotency key: the same key with the same input changes
nothing more; the same key with another input is an IDEMPOTENCY_CONFLICT.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from domain import sourcing
from domain.errors import IdempotencyConflict, InvalidInput, InvalidTransition
from domain.orders import (
    MAX_LINES,
    MAX_QUANTITY,
    Delivery,
    FulfillmentLine,
    FulfillmentStatus,
    OrderLine,
    OrderStatus,
    transition,
    validate_delivery,
    validate_line,
)

MAX_REASON = 500
NOT_EDITABLE = frozenset({OrderStatus.CANCELLED, OrderStatus.FULFILLED})
KEPT = "kept where it was when the order was edited"


def line_id(order_id: str, no: int) -> str:
    """An order line's id: stable for the order's life (lines are never renumbered)."""
    return f"{order_id}:{no}"


def line_no(order_id: str, raw: str) -> int | None:
    """The line number an id names on this order, or None when it names no line of it."""
    order, _, tail = raw.rpartition(":")
    return int(tail) if order == order_id and tail.isdigit() else None


@dataclass(frozen=True, slots=True)
class QuantityChange:
    line_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class EditRequest:
    order_id: str
    idempotency_key: str
    reason: str
    add_lines: tuple[OrderLine, ...] = ()
    remove_line_ids: tuple[str, ...] = ()
    change_quantities: tuple[QuantityChange, ...] = ()
    delivery: Delivery | None = None

    def fingerprint(self) -> str:
        """Same input, same fingerprint (the delivery as asked: a looked-up geo is not part of it)."""
        body = {
            "add": [[x.sku, x.quantity, x.unit_price, list(x.services)] for x in self.add_lines],
            "remove": list(self.remove_line_ids),
            "change": [[c.line_id, c.quantity] for c in self.change_quantities],
            "delivery": self.delivery.as_asked() if self.delivery else None,
            "reason": self.reason,
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Work:
    """One of the order's fulfillments, as an edit sees it."""

    id: str
    location_id: str
    status: FulfillmentStatus
    units: dict[str, int]  # sku -> quantity
    listed: bool = False  # on a pick list already: new units do not join it


@dataclass(frozen=True, slots=True)
class Edit:
    """What an edit does, decided before any write."""

    lines: tuple[OrderLine, ...]  # every line row after the edit, numbered; removed ones at quantity 0
    written: tuple[OrderLine, ...]  # the rows this edit changes or adds
    delivery: Delivery
    resource_all: bool  # the delivery changed how or where: every unit is sourced again
    release: dict[tuple[str, str], int]  # (location, sku) -> units given back
    quantities: dict[str, dict[str, int]]  # kept fulfillment -> its new units per SKU (only those that change)
    cancelled: dict[str, FulfillmentStatus]  # fulfillments left without units -> CANCELLED
    wanted: tuple[sourcing.Line, ...]  # units to source
    summary: str = ""
    blame: dict[str, tuple[str, ...]] = field(default_factory=dict)  # sku -> the input field that added it

    @property
    def total(self) -> float:
        return round(sum(x.quantity * x.unit_price for x in self.lines), 2)


def already_applied(edits: Iterable[tuple[str, str]], request: EditRequest) -> bool:
    """True when this key's edit was applied (same input); IDEMPOTENCY_CONFLICT when it was another input."""
    fingerprint = request.fingerprint()
    for key, seen in edits:
        if key == request.idempotency_key:
            if seen != fingerprint:
                raise IdempotencyConflict(
                    "This idempotencyKey was used for a different edit of the order", ("idempotencyKey",)
                )
            return True
    return False


# A transfer's two fulfillments move together (domain.transfers): editing one would strand the other.
TRANSFERRING = frozenset(
    {FulfillmentStatus.AWAITING_TRANSFER, FulfillmentStatus.IN_TRANSIT, FulfillmentStatus.RECEIVED}
)


def check_editable(status: OrderStatus, request: EditRequest) -> None:
    if not request.idempotency_key.strip():
        raise InvalidInput("idempotencyKey must not be empty", ("idempotencyKey",))
    if not 0 < len(request.reason.strip()) <= MAX_REASON:
        raise InvalidInput(f"An edit needs a reason (1 to {MAX_REASON} characters)", ("reason",))
    if status in NOT_EDITABLE:
        raise InvalidTransition(f"An order in {status.value} cannot be edited", ("orderId",), status=status.value)
    if status is OrderStatus.BACKORDERED:  # its units are promised (held, inbound, a pre-order limit), not sourced:
        # an edit would source it a second time beside the release job, so it waits or is cancelled whole
        raise InvalidTransition(
            "An order waiting for stock or its release (BACKORDERED) cannot be edited: cancel it and place it again",
            ("orderId",),
            status=status.value,
        )
    if not (request.add_lines or request.remove_line_ids or request.change_quantities or request.delivery):
        raise InvalidInput("An edit changes lines, quantities or the delivery", ("addLines",))


def decide(
    request: EditRequest,
    status: OrderStatus,
    *,
    rows: Sequence[OrderLine],
    work: Sequence[Work],
    delivery: Delivery,
    known_skus: set[str],
) -> Edit:
    """What the edit does to the order's lines and fulfillments; a userError naming the input otherwise."""
    check_editable(status, request)
    if any(w.status in TRANSFERRING for w in work):
        raise InvalidTransition("An order served by a ship-to-store transfer cannot be edited", ("orderId",))
    after, written = _new_lines(request, rows, known_skus)
    live_after = [x for x in after.values() if x.quantity > 0]
    if not live_after:
        raise InvalidInput("An order keeps at least one line: cancel it instead", ("removeLineIds",))
    if len(live_after) > MAX_LINES:
        raise InvalidInput(f"An order has at most {MAX_LINES} lines", ("addLines",))
    new_delivery = request.delivery or delivery
    if request.delivery is not None:
        validate_delivery(new_delivery)
    resource_all = request.delivery is not None and (
        new_delivery.method is not delivery.method or new_delivery.pickup_location_id != delivery.pickup_location_id
    )
    before = _units(x for x in rows if x.quantity > 0)
    units_after = _units(live_after)
    blame = _blame(request, rows)
    if resource_all:
        release, quantities, cancelled, wanted = _resource_all(work, units_after)
    else:
        release, quantities, cancelled = _reduce(work, before, units_after, blame)
        wanted = {sku: n - before.get(sku, 0) for sku, n in units_after.items() if n > before.get(sku, 0)}
    return Edit(
        tuple(after[no] for no in sorted(after)),
        written,
        new_delivery,
        resource_all,
        release,
        quantities,
        cancelled,
        tuple(sourcing.Line(sku, n) for sku, n in sorted(wanted.items())),
        describe(request, resource_all),
        blame,
    )


def _new_lines(
    request: EditRequest, rows: Sequence[OrderLine], known_skus: set[str]
) -> tuple[dict[int, OrderLine], tuple[OrderLine, ...]]:
    """Every line row after the edit by number, and the rows that change."""
    lines = {int(x.no or 0): x for x in rows}
    live = {no for no, x in lines.items() if x.quantity > 0}
    touched: dict[int, tuple[str, ...]] = {}
    changed: dict[int, OrderLine] = {}
    for index, raw in enumerate(request.remove_line_ids):
        no = _known(request.order_id, raw, live, touched, ("removeLineIds", str(index)))
        changed[no] = replace(lines[no], quantity=0)
    for index, change in enumerate(request.change_quantities):
        path = ("changeQuantities", str(index))
        no = _known(request.order_id, change.line_id, live, touched, (*path, "lineId"))
        if not 0 < change.quantity <= MAX_QUANTITY:
            message = f"quantity must be 1 to {MAX_QUANTITY} (remove a line with removeLineIds)"
            raise InvalidInput(message, (*path, "quantity"), quantity=change.quantity)
        changed[no] = replace(lines[no], quantity=change.quantity)
    next_no = max(lines, default=0) + 1
    for index, line in enumerate(request.add_lines):
        validate_line(line, index, known_skus, "addLines")
        changed[next_no + index] = replace(line, no=next_no + index)
    return lines | changed, tuple(changed[no] for no in sorted(changed))


def _known(order_id: str, raw: str, live: set[int], touched: dict[int, tuple[str, ...]], path: tuple[str, ...]) -> int:
    no = line_no(order_id, raw)
    if no is None or no not in live:
        raise InvalidInput(f"Order {order_id} has no line {raw!r}", path, lineId=raw)
    if no in touched:
        raise InvalidInput(f"Line {raw} is changed twice in one edit", path, lineId=raw)
    touched[no] = path
    return no


def _units(lines: Iterable[OrderLine]) -> dict[str, int]:
    units: dict[str, int] = {}
    for line in lines:
        units[line.sku] = units.get(line.sku, 0) + line.quantity
    return units


def _blame(request: EditRequest, rows: Sequence[OrderLine]) -> dict[str, tuple[str, ...]]:
    """For each SKU a removal or a change touches, the first input field that does (where an error points)."""
    sku_of = {line_id(request.order_id, int(x.no or 0)): x.sku for x in rows}
    blame: dict[str, tuple[str, ...]] = {}
    for index, raw in enumerate(request.remove_line_ids):
        blame.setdefault(sku_of.get(raw, ""), ("removeLineIds", str(index)))
    for index, change in enumerate(request.change_quantities):
        blame.setdefault(sku_of.get(change.line_id, ""), ("changeQuantities", str(index), "quantity"))
    return blame


def _awaiting(work: Sequence[Work]) -> list[Work]:
    return [w for w in work if w.status is FulfillmentStatus.AWAITING_PICK]


def _resource_all(
    work: Sequence[Work], units_after: dict[str, int]
) -> tuple[dict[tuple[str, str], int], dict[str, dict[str, int]], dict[str, FulfillmentStatus], dict[str, int]]:
    started = [w for w in work if w.status not in (FulfillmentStatus.AWAITING_PICK, FulfillmentStatus.CANCELLED)]
    if started:
        raise InvalidTransition(
            "Work on this order was picked already: its delivery method or pickup store cannot change",
            ("delivery",),
            fulfillmentIds=[w.id for w in started],
        )
    release: dict[tuple[str, str], int] = {}
    for w in _awaiting(work):
        for sku, n in w.units.items():
            release[(w.location_id, sku)] = release.get((w.location_id, sku), 0) + n
    cancelled = {w.id: transition(w.status, FulfillmentStatus.CANCELLED) for w in _awaiting(work)}
    return release, {}, cancelled, dict(units_after)


def _reduce(
    work: Sequence[Work], before: dict[str, int], after: dict[str, int], blame: dict[str, tuple[str, ...]]
) -> tuple[dict[tuple[str, str], int], dict[str, dict[str, int]], dict[str, FulfillmentStatus]]:
    """Take fewer units off fulfillments not yet picked (the newest first); what is picked stays."""
    awaiting = _awaiting(work)
    left = {w.id: dict(w.units) for w in awaiting}
    release: dict[tuple[str, str], int] = {}
    for sku, had in sorted(before.items()):
        need = had - after.get(sku, 0)
        for w in reversed(awaiting):
            take = min(need, left[w.id].get(sku, 0))
            if take > 0:
                left[w.id][sku] -= take
                release[(w.location_id, sku)] = release.get((w.location_id, sku), 0) + take
                need -= take
        if need > 0:
            raise InvalidTransition(
                f"{need} of {sku} are picked or on their way already: only what has not been picked can change",
                blame.get(sku, ("changeQuantities",)),
                sku=sku,
            )
    cancelled = {
        w.id: transition(w.status, FulfillmentStatus.CANCELLED) for w in awaiting if not any(left[w.id].values())
    }
    quantities = {w.id: left[w.id] for w in awaiting if w.id not in cancelled and left[w.id] != w.units}
    return release, quantities, cancelled


@dataclass(frozen=True, slots=True)
class Placement:
    """Where the sourced units go: onto kept fulfillments not yet listed for picking, or new ones."""

    quantities: dict[str, dict[str, int]]  # kept fulfillment -> its units per SKU after the edit (those that change)
    groups: dict[str, list[FulfillmentLine]]  # location -> lines of a new fulfillment there
    joined: dict[str, list[FulfillmentLine]] = field(default_factory=dict)  # kept fulfillment -> the units added


def place(edit: Edit, work: Sequence[Work], takes: Sequence[tuple[str, str, int]]) -> Placement:
    """Sourced units (location, sku, quantity) join the order's unlisted AWAITING_PICK fulfillment at that
    location (no new parcel, no new claim on capacity), else a new fulfillment there."""
    joinable: dict[str, Work] = {}
    for w in _awaiting(work):
        if not w.listed and w.id not in edit.cancelled:
            joinable.setdefault(w.location_id, w)
    quantities = {fid: dict(units) for fid, units in edit.quantities.items()}
    groups: dict[str, list[FulfillmentLine]] = {}
    joined: dict[str, list[FulfillmentLine]] = {}
    for loc, sku, qty in takes:
        target = joinable.get(loc)
        if target is None:
            groups.setdefault(loc, []).append(FulfillmentLine(sku, qty))
            continue
        units = quantities.setdefault(target.id, dict(target.units))
        units[sku] = units.get(sku, 0) + qty
        joined.setdefault(target.id, []).append(FulfillmentLine(sku, qty))
    return Placement(quantities, groups, joined)


def moves(release: dict[tuple[str, str], int], takes: Sequence[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    """(location, sku, units): positive to reserve, negative to give back, netted per position, in lock order."""
    net = {key: -n for key, n in release.items()}
    for loc, sku, qty in takes:
        net[(loc, sku)] = net.get((loc, sku), 0) + qty
    return [(loc, sku, n) for (loc, sku), n in sorted(net.items()) if n]


def live_units(work: Sequence[Work], edit: Edit, placement: Placement) -> list[tuple[str, str, int]]:
    """(location, sku, units) the order's live fulfillments hold after the edit."""
    held: dict[tuple[str, str], int] = {}
    for w in work:
        if w.status is FulfillmentStatus.CANCELLED or w.id in edit.cancelled:
            continue
        for sku, n in placement.quantities.get(w.id, w.units).items():
            held[(w.location_id, sku)] = held.get((w.location_id, sku), 0) + n
    for loc, lines in placement.groups.items():
        for x in lines:
            held[(loc, x.sku)] = held.get((loc, x.sku), 0) + x.quantity
    return [(loc, sku, n) for (loc, sku), n in sorted(held.items()) if n > 0]


def merged_plan(
    old: sourcing.Plan, fresh: sourcing.Plan | None, live: Sequence[tuple[str, str, int]], note: str
) -> sourcing.Plan:
    """The order's plan after an edit: where its units are now, why (the fresh sourcing's reasons for what
    it placed, the old ones for what stayed), and the explanation grown by the edit."""
    reasons: dict[tuple[str, str], tuple[str, ...]] = {(a.location_id, a.sku): a.reasons for a in old.allocations}
    if fresh is not None:
        reasons |= {(a.location_id, a.sku): a.reasons for a in fresh.allocations}
    allocations = tuple(sourcing.Allocation(loc, sku, qty, reasons.get((loc, sku), (KEPT,))) for loc, sku, qty in live)
    return sourcing.Plan(
        profile_id=fresh.profile_id if fresh else old.profile_id,
        allocations=allocations,
        unallocated=(),
        estimated_cost=round(old.estimated_cost + (fresh.estimated_cost if fresh else 0.0), 2),
        explanation=(*old.explanation, note, *(fresh.explanation if fresh else ())),
        candidates=fresh.candidates if fresh else old.candidates,
    )


def describe(request: EditRequest, resource_all: bool) -> str:
    parts = []
    if request.add_lines:
        parts.append(f"added {_count(len(request.add_lines), 'line')}")
    if request.remove_line_ids:
        parts.append(f"removed {_count(len(request.remove_line_ids), 'line')}")
    if request.change_quantities:
        parts.append(f"changed {_count(len(request.change_quantities), 'quantity', 'quantities')}")
    if request.delivery is not None:
        parts.append("changed the delivery" + ("; every unpicked unit sourced again" if resource_all else ""))
    return ", ".join(parts).capitalize()


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"
