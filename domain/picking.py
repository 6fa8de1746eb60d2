"""In-store pick and pack, configured per retailer as data (a pick process).

- A pick process says how a store groups work into pick lists (`PickMode`),
  whether a pick must be confirmed by scanning the item (`scan_to_pick`), what
  happens to units that cannot be picked (`ShortPickPolicy`), which reason
  codes a short pick may give, and the ordered steps after PICK.
- Lists: ORDER makes one list per fulfillment; ITEM, ZONE and CATEGORY batch up
  to `max_orders_per_list` fulfillments (oldest first) and order the walk by
  SKU, zone or category. Every line keeps its fulfillment and a slot (the
  fulfillment's place in the batch) so a batch can be sorted after the pick.
- A confirmation adds picked units to a line (partial confirmations allowed,
  over-picks refused); a short pick closes the line with a reason code.
  NOT_FOUND and DAMAGED mean the books were wrong: those units leave on-hand.
- Steps move strictly in order: completing or skipping a step that is not the
  next one is an INVALID_TRANSITION. PICK is done by confirming the list and
  HANDOVER by handing the parcel over; neither can be skipped.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.errors import DomainError, InvalidInput, InvalidTransition, ScanMismatch, TooManyAttempts
from domain.fulfillment import DEFAULT_TURNAROUND_HOURS
from domain.orders import FulfillmentStatus


class PickMode(enum.Enum):
    ORDER = "ORDER"
    ITEM = "ITEM"
    ZONE = "ZONE"
    CATEGORY = "CATEGORY"


class ShortPickPolicy(enum.Enum):
    REROUTE_NOW = "REROUTE_NOW"
    RESOLVE_LATER = "RESOLVE_LATER"


class PickListStatus(enum.Enum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"


PICK = "PICK"
VERIFY = "VERIFY"
VAS = "VAS"
PACK = "PACK"
LABEL = "LABEL"
HANDOVER = "HANDOVER"
REQUIRED_STEPS = (PICK, PACK, HANDOVER)
KNOWN_STEPS = frozenset({PICK, VERIFY, VAS, PACK, LABEL, HANDOVER})
UNSKIPPABLE = frozenset({PICK, HANDOVER})
PHANTOM_REASONS = frozenset({"NOT_FOUND", "DAMAGED"})  # the units are not sellable: on-hand is corrected
DEFAULT_REASONS = ("NOT_FOUND", "DAMAGED", "WRONG_ITEM")
DEFAULT_BATCH = 20  # fulfillments per ITEM / ZONE / CATEGORY list when the process sets no maximum
MAX_BATCH = 200
UNZONED = "~"  # sorts after every real zone or category name


@dataclass(frozen=True, slots=True)
class PickProcess:
    id: str
    mode: PickMode = PickMode.ORDER
    scan_to_pick: bool = False
    short_pick_policy: ShortPickPolicy = ShortPickPolicy.RESOLVE_LATER
    steps: tuple[str, ...] = REQUIRED_STEPS
    reason_codes: tuple[str, ...] = DEFAULT_REASONS
    max_orders_per_list: int | None = None

    @property
    def batch_size(self) -> int:
        if self.mode is PickMode.ORDER:
            return 1
        return self.max_orders_per_list or DEFAULT_BATCH


DEFAULT_PROCESS = PickProcess("default")  # stores with no process assigned


def validate_process(process: PickProcess) -> PickProcess:
    """Raise InvalidInput naming the field for anything a store could not run."""
    if not process.id.strip():
        raise InvalidInput("id must not be empty", ("id",))
    unknown = [s for s in process.steps if s not in KNOWN_STEPS]
    if unknown:
        known = ", ".join(sorted(KNOWN_STEPS))
        raise InvalidInput(f"Unknown step {unknown[0]!r}; steps are {known}", ("steps",), step=unknown[0])
    if len(set(process.steps)) != len(process.steps):
        raise InvalidInput("A step appears twice", ("steps",))
    if not process.steps or process.steps[0] != PICK or process.steps[-1] != HANDOVER or PACK not in process.steps:
        raise InvalidInput("Steps start with PICK, include PACK and end with HANDOVER", ("steps",))
    if not process.reason_codes or any(not code.strip() for code in process.reason_codes):
        raise InvalidInput("At least one short-pick reason code, none empty", ("reasonCodes",))
    if process.max_orders_per_list is not None and not 1 <= process.max_orders_per_list <= MAX_BATCH:
        raise InvalidInput(f"maxOrdersPerList must be 1 to {MAX_BATCH}", ("maxOrdersPerList",))
    return process


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


def corrects_on_hand(reason: str | None) -> bool:
    return reason in PHANTOM_REASONS


def reduced(quantities: Mapping[str, int], by: Mapping[str, int]) -> dict[str, int]:
    """The fulfillment's new quantities for the SKUs `by` names: units that will not ship from here."""
    return {sku: max(quantities.get(sku, 0) - units, 0) for sku, units in by.items()}


def picked_units(lines: Iterable[LineState]) -> dict[str, int]:
    found: dict[str, int] = {}
    for line in lines:
        found[line.sku] = found.get(line.sku, 0) + line.picked
    return found


def pending_shorts(lines: Sequence[LineState], quantities: Mapping[str, int]) -> dict[str, int]:
    """Units declared short that the fulfillment still counts (a decision brings it down to what was picked)."""
    picked = picked_units(lines)
    short: dict[str, int] = {}
    for line in lines:
        short[line.sku] = short.get(line.sku, 0) + line.short
    return {
        sku: n for sku, units in short.items() if (n := min(units, quantities.get(sku, 0) - picked.get(sku, 0))) > 0
    }


@dataclass(frozen=True, slots=True)
class Resolution:
    """A supervisor's decision on short units: the fulfillment's new quantities, and picked units put back."""

    quantities: dict[str, int]
    put_back: dict[str, int]


def resolve_shorts(outcome: str, quantities: Mapping[str, int], lines: Sequence[LineState]) -> Resolution:
    """REROUTE and PARTIAL ship what was picked (REROUTE also sources the rest elsewhere); CANCEL_LINE ships
    nothing of those SKUs from here and puts their picked units back on the shelf."""
    pending = pending_shorts(lines, quantities)
    if outcome != "CANCEL_LINE":
        return Resolution(reduced(quantities, pending), {})
    picked = picked_units(lines)
    return Resolution(dict.fromkeys(pending, 0), {sku: picked[sku] for sku in sorted(pending) if picked.get(sku)})


def nothing_left(quantities: Mapping[str, int]) -> bool:
    """A fulfillment whose every unit went elsewhere or was dropped is cancelled."""
    return sum(quantities.values()) == 0


def after_pick(
    progress: StepProgress, quantities: Mapping[str, int], *, services: bool, by: str, at: datetime
) -> tuple[FulfillmentStatus, StepProgress]:
    """Every line resolved: PICKED with PICK done (VAS skipped when no service was asked for), or CANCELLED
    when nothing is left to ship from here."""
    if nothing_left(quantities):
        return FulfillmentStatus.CANCELLED, progress
    progress = progress.record(PICK, "DONE", by, at)
    if progress.next_step == VAS and not services:
        progress = progress.record(VAS, "SKIPPED", "system", at, "no services requested")
    return FulfillmentStatus.PICKED, progress


@dataclass(frozen=True, slots=True)
class StepRecord:
    step: str
    action: str  # DONE or SKIPPED
    by: str
    at: datetime
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class StepProgress:
    """Where a fulfillment is in its process: the steps it runs and what was done or skipped."""

    steps: tuple[str, ...]
    log: tuple[StepRecord, ...] = field(default=())

    @property
    def next_step(self) -> str | None:
        handled = {record.step for record in self.log}
        return next((s for s in self.steps if s not in handled), None)

    def done_at(self, step: str) -> datetime | None:
        """When `step` was last done (HANDOVER: when the parcel left the location); None if it was not."""
        return next((r.at for r in reversed(self.log) if r.step == step and r.action == "DONE"), None)

    def record(self, step: str, action: str, by: str, at: datetime, reason: str | None = None) -> StepProgress:
        return StepProgress(self.steps, (*self.log, StepRecord(step, action, by, at, reason)))


def check_next(progress: StepProgress, step: str) -> None:
    if step not in KNOWN_STEPS:
        raise InvalidInput(f"Unknown step {step!r}", ("step",))
    expected = progress.next_step
    if step != expected:
        raise InvalidTransition(
            f"{step} is not the next step (next: {expected or 'none, the fulfillment is done'})",
            ("step",),
            next=expected,
        )


def complete_step(progress: StepProgress, step: str, by: str, at: datetime, *, open_vas: int) -> StepProgress:
    """Complete the next step by hand (PICK and HANDOVER have their own mutations)."""
    check_next(progress, step)
    if step == PICK:
        raise InvalidTransition("PICK completes when the pick list is confirmed", ("step",))
    if step == HANDOVER:
        raise InvalidTransition("HANDOVER completes with handOver", ("step",))
    if step in (VAS, PACK) and open_vas:
        raise InvalidTransition(f"{open_vas} value-added service task(s) still open: finish them first", ("step",))
    return progress.record(step, "DONE", by, at)


def skip_step(progress: StepProgress, step: str, by: str, at: datetime, reason: str, *, open_vas: int) -> StepProgress:
    check_next(progress, step)
    if not reason.strip():
        raise InvalidInput("Skipping a step needs a reason", ("reason",))
    if step in UNSKIPPABLE:
        raise InvalidTransition(f"{step} cannot be skipped", ("step",))
    if step == VAS and open_vas:
        raise InvalidTransition("VAS cannot be skipped while its task is open", ("step",))
    return progress.record(step, "SKIPPED", by, at, reason)


def check_handover(
    progress: StepProgress, method: str, tracking_number: str | None, *, open_vas: int
) -> FulfillmentStatus:
    """The status hand-over moves to: READY_FOR_COLLECTION for a pickup, SHIPPED otherwise."""
    check_next(progress, HANDOVER)
    if open_vas:
        raise InvalidTransition(f"{open_vas} value-added service task(s) still open", ("fulfillmentId",))
    if method == "SHIP" and not (tracking_number and tracking_number.strip()):
        raise InvalidInput("A shipment needs a trackingNumber", ("trackingNumber",))
    return FulfillmentStatus.READY_FOR_COLLECTION if method == "PICKUP" else FulfillmentStatus.SHIPPED


COLLECTION_ATTEMPTS = 5  # wrong codes before a collection locks: five guesses in a million


def check_collection(
    fulfillment_id: str, status: FulfillmentStatus, code: str, digest: str | None, failures: int
) -> bool:
    """Whether `code` collects the parcel. A wrong code is the caller's to count (`wrong_code` says what
    to answer); a parcel not waiting, or locked after `COLLECTION_ATTEMPTS` wrong codes, is refused."""
    if status is not FulfillmentStatus.READY_FOR_COLLECTION:
        raise InvalidTransition(
            f"Fulfillment {fulfillment_id} is {status.value}, not READY_FOR_COLLECTION", ("fulfillmentId",)
        )
    if failures >= COLLECTION_ATTEMPTS:
        raise _locked(fulfillment_id)
    return code_matches(code, digest)


def wrong_code(fulfillment_id: str, failures: int) -> DomainError:
    """The answer to a wrong code, `failures` counting it: how many tries are left, or that it is now locked."""
    left = COLLECTION_ATTEMPTS - failures
    if left <= 0:
        return _locked(fulfillment_id)
    return InvalidInput(f"Wrong collection code; {left} attempt{'s' if left != 1 else ''} left", ("code",))


def _locked(fulfillment_id: str) -> TooManyAttempts:
    return TooManyAttempts(
        f"Collection of {fulfillment_id} is locked after {COLLECTION_ATTEMPTS} wrong codes; "
        "a store manager or customer service sends the customer a new code",
        ("code",),
    )


def attempts_left(status: FulfillmentStatus, failures: int) -> int | None:
    """Wrong codes a waiting parcel still accepts; None when nothing waits for collection."""
    if status is not FulfillmentStatus.READY_FOR_COLLECTION:
        return None
    return max(0, COLLECTION_ATTEMPTS - failures)


def check_reissue(fulfillment_id: str, status: FulfillmentStatus) -> None:
    """A new collection code replaces the old one only while the parcel waits for collection."""
    if status is not FulfillmentStatus.READY_FOR_COLLECTION:
        raise InvalidTransition(
            f"Fulfillment {fulfillment_id} is {status.value}; only a parcel waiting for collection gets a new code",
            ("fulfillmentId",),
        )


def new_collection_code(random_below: Callable[[int], int]) -> str:
    """Six digits, from the caller's source of randomness (a CSPRNG in production)."""
    return f"{random_below(10**6):06d}"


def code_digest(code: str) -> str:
    """Collection codes are stored as digests: whoever reads the database cannot collect the parcel."""
    return hashlib.sha256(code.strip().encode()).hexdigest()


def code_matches(code: str, digest: str | None) -> bool:
    return digest is not None and hmac.compare_digest(code_digest(code), digest)


def accuracy(lines_picked: int, lines_short: int) -> float:
    """Share of pick lines completed without a short; 1.0 until anything is recorded."""
    total = lines_picked + lines_short
    return 1.0 if total == 0 else round(lines_picked / total, 4)


@dataclass(frozen=True, slots=True)
class StoreRecord:
    """What pick and pack measured at a location."""

    lines_picked: int = 0
    lines_short: int = 0
    handovers: int = 0
    handovers_on_time: int = 0

    @property
    def pick_accuracy(self) -> float:
        return accuracy(self.lines_picked, self.lines_short)

    @property
    def on_time_rate(self) -> float:
        """Share of hand-overs within the location's turnaround; 1.0 until any."""
        return 1.0 if self.handovers == 0 else round(self.handovers_on_time / self.handovers, 4)

    @property
    def performance(self) -> float:
        """Sourcing's performance criterion: stores that short-pick or run late receive less work."""
        return round(self.pick_accuracy * self.on_time_rate, 2)


def on_time(created_at: datetime, handed_over_at: datetime, turnaround_hours: float | None) -> bool:
    return handed_over_at - created_at <= timedelta(hours=turnaround_hours or DEFAULT_TURNAROUND_HOURS)


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


@dataclass(frozen=True, slots=True)
class FulfillmentProgress:
    """What a fulfillment shows beyond its status: steps, tracking, delivery, its pick list."""

    steps: StepProgress
    tracking_number: str | None
    delivered_at: datetime | None
    pick_list_id: str | None
    collection_failures: int = 0
