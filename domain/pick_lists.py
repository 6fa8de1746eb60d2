"""Pick lists: the work a store walks, what a confirmation does to it, and the list's status.

- ORDER makes one list per fulfillment; ITEM, ZONE and CATEGORY batch up to
  the process's `max_orders_per_list` fulfillments (oldest first) and order
  the walk by SKU, zone or category. Every line keeps its fulfillment and a
  slot (the fulfillment's place in the batch) so a batch can be sorted after
  the pick.
- A confirmation adds picked units to a line (partial confirmations allowed,
  over-picks refused); a short pick closes the line with a reason code. A
  confirmation applies whole or not at all.
- A list is OPEN until anything is picked or short, IN_PROGRESS then, DONE
  when every line of a live fulfillment is resolved. Its status moves only
  along `PICK_LIST_TRANSITIONS`; a DONE list takes no more confirmations.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.errors import InvalidInput, InvalidTransition, ScanMismatch
from domain.pick_process import PickMode, PickProcess

UNZONED = "~"  # sorts after every real zone or category name


class PickListStatus(enum.Enum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"


S = PickListStatus
PICK_LIST_TRANSITIONS: dict[PickListStatus, frozenset[PickListStatus]] = {
    S.OPEN: frozenset({S.IN_PROGRESS, S.DONE}),  # DONE at once: one confirmation resolves it all, or all cancelled
    # Back to OPEN when the fulfillment whose lines were started is cancelled and the rest are untouched.
    S.IN_PROGRESS: frozenset({S.OPEN, S.DONE}),
    S.DONE: frozenset(),
}


def transition(list_id: str, current: PickListStatus, target: PickListStatus) -> PickListStatus:
    """`target` when the table allows the move; INVALID_TRANSITION otherwise."""
    if target not in PICK_LIST_TRANSITIONS[current]:
        raise InvalidTransition(
            f"Pick list {list_id} cannot go from {current.value} to {target.value}", ("pickListId",)
        )
    return target


def check_open(list_id: str, status: PickListStatus) -> None:
    """A list whose status has no move left (DONE) takes no more confirmations."""
    if not PICK_LIST_TRANSITIONS[status]:
        raise InvalidTransition(f"Pick list {list_id} is already done", ("pickListId",))


@dataclass(frozen=True, slots=True)
class Work:
    """One fulfillment line waiting to be picked, with what the walk order needs."""

    fulfillment_id: str
    order_id: str
    sku: str
    quantity: int
    created_at: datetime
    zone: str | None = None
    category: str | None = None


@dataclass(frozen=True, slots=True)
class PlannedLine:
    fulfillment_id: str
    order_id: str
    sku: str
    quantity: int
    group: str  # what the walk is ordered by: the order, the SKU, the zone or the category
    slot: int  # the fulfillment's place in the list (1..n): the tote to sort into after a batch pick


@dataclass(frozen=True, slots=True)
class PlannedList:
    lines: tuple[PlannedLine, ...]

    @property
    def fulfillment_ids(self) -> list[str]:
        """In slot order: oldest fulfillment first."""
        return list(dict.fromkeys(line.fulfillment_id for line in sorted(self.lines, key=lambda x: x.slot)))


def plan_lists(process: PickProcess, work: Iterable[Work]) -> list[PlannedList]:
    """Group waiting fulfillment lines into pick lists, oldest fulfillments first."""
    by_fulfillment: dict[str, list[Work]] = {}
    for item in sorted(work, key=lambda w: (w.created_at, w.fulfillment_id, w.sku)):
        by_fulfillment.setdefault(item.fulfillment_id, []).append(item)
    fulfillment_ids = list(by_fulfillment)
    size = process.batch_size
    lists = []
    for start in range(0, len(fulfillment_ids), size):
        batch = fulfillment_ids[start : start + size]
        slots = {fid: n for n, fid in enumerate(batch, start=1)}
        lines = [
            PlannedLine(w.fulfillment_id, w.order_id, w.sku, w.quantity, _group(process.mode, w), slots[fid])
            for fid in batch
            for w in by_fulfillment[fid]
        ]
        lines.sort(key=lambda line: (line.group, line.sku, line.slot))
        lists.append(PlannedList(tuple(lines)))
    return lists


def _group(mode: PickMode, work: Work) -> str:
    if mode is PickMode.ORDER:
        return work.order_id
    if mode is PickMode.ITEM:
        return work.sku
    if mode is PickMode.ZONE:
        return work.zone or UNZONED
    return work.category or UNZONED


@dataclass(frozen=True, slots=True)
class LineState:
    id: str
    fulfillment_id: str
    sku: str
    quantity: int
    picked: int = 0
    short: int = 0
    short_reason: str | None = None

    @property
    def open(self) -> int:
        return self.quantity - self.picked - self.short

    @property
    def resolved(self) -> bool:
        return self.open == 0


@dataclass(frozen=True, slots=True)
class Confirmation:
    line_id: str
    quantity: int
    scanned_barcode: str | None = None
    short_reason: str | None = None


@dataclass(frozen=True, slots=True)
class LineChange:
    """What one confirmation does to one line: units picked now, units declared short now."""

    before: LineState
    after: LineState

    @property
    def picked(self) -> int:
        return self.after.picked - self.before.picked

    @property
    def short(self) -> int:
        return self.after.short - self.before.short


def confirm(
    process: PickProcess,
    lines: Sequence[LineState],
    confirmations: Sequence[Confirmation],
    barcodes: dict[str, frozenset[str]],
) -> list[LineChange]:
    """Apply a whole confirmation or nothing: the first bad line raises, naming its index."""
    if not confirmations:
        raise InvalidInput("A confirmation needs at least one line", ("lines",))
    state = {line.id: line for line in lines}
    changes: dict[str, LineChange] = {}
    for index, item in enumerate(confirmations):
        path = ("lines", str(index))
        current = changes[item.line_id].after if item.line_id in changes else state.get(item.line_id)
        if current is None:
            raise InvalidInput(f"Pick line {item.line_id!r} is not on this list", (*path, "pickLineId"))
        after = _confirm_line(process, current, item, barcodes.get(current.sku, frozenset()), path)
        before = changes[item.line_id].before if item.line_id in changes else current
        changes[item.line_id] = LineChange(before, after)
    return list(changes.values())


def _confirm_line(
    process: PickProcess, line: LineState, item: Confirmation, barcodes: frozenset[str], path: tuple[str, ...]
) -> LineState:
    if line.resolved:
        raise InvalidTransition(f"Pick line {line.id} ({line.sku}) is already complete", (*path, "pickLineId"))
    if item.quantity < 0:
        raise InvalidInput("quantity cannot be negative", (*path, "quantity"))
    if item.quantity > line.open:
        raise InvalidInput(
            f"Over-pick: {line.sku} needs {line.open} more, not {item.quantity}",
            (*path, "quantity"),
            open=line.open,
        )
    if item.quantity == 0 and item.short_reason is None:
        raise InvalidInput("Confirm at least one unit, or give a shortReason", (*path, "quantity"))
    if process.scan_to_pick and item.quantity > 0:
        if not item.scanned_barcode:
            raise ScanMismatch(f"Scan {line.sku} to confirm it", (*path, "scannedBarcode"))
        if item.scanned_barcode not in barcodes:
            raise ScanMismatch(
                f"Barcode {item.scanned_barcode} is not {line.sku}: check the item", (*path, "scannedBarcode")
            )
    picked = line.picked + item.quantity
    if item.short_reason is None:
        return LineState(line.id, line.fulfillment_id, line.sku, line.quantity, picked, line.short, line.short_reason)
    if item.short_reason not in process.reason_codes:
        allowed = ", ".join(process.reason_codes)
        raise InvalidInput(f"Reason {item.short_reason!r} is not one of {allowed}", (*path, "shortReason"))
    short = line.quantity - picked
    if short == 0:
        raise InvalidInput("Nothing is short: every unit is picked", (*path, "shortReason"))
    return LineState(
        line.id, line.fulfillment_id, line.sku, line.quantity, picked, line.short + short, item.short_reason
    )


def list_status(lines: Iterable[LineState], cancelled: frozenset[str] = frozenset()) -> PickListStatus:
    """DONE when every line is resolved (or its fulfillment cancelled); IN_PROGRESS once anything is."""
    live = [line for line in lines if line.fulfillment_id not in cancelled]
    if all(line.resolved for line in live):
        return PickListStatus.DONE
    if any(line.picked or line.short for line in live):
        return PickListStatus.IN_PROGRESS
    return PickListStatus.OPEN


@dataclass(frozen=True, slots=True)
class PickLine:
    """A line of a stored pick list."""

    id: str
    pick_list_id: str
    fulfillment_id: str
    order_id: str
    sku: str
    quantity: int
    picked: int
    short: int
    short_reason: str | None
    group: str
    slot: int
    cancelled: bool = False  # its fulfillment was cancelled: put the units back, do not pick

    @property
    def state(self) -> LineState:
        return LineState(
            self.id, self.fulfillment_id, self.sku, self.quantity, self.picked, self.short, self.short_reason
        )


@dataclass(frozen=True, slots=True)
class PickList:
    """A stored pick list with its lines in walk order."""

    id: str
    location_id: str
    process_id: str
    mode: PickMode
    scan_to_pick: bool
    status: str
    created_at: datetime
    lines: tuple[PickLine, ...]
