"""Pick and pack steps: where a fulfillment is in its process after PICK.

Steps move strictly in order: completing or skipping a step that is not the
next one is an INVALID_TRANSITION. PICK is done by confirming the list and
HANDOVER by handing the parcel over; neither can be skipped, and VAS or PACK
wait for open value-added service tasks. A hand-over moves a pickup to
READY_FOR_COLLECTION and anything else to SHIPPED (with a tracking number).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from domain.errors import InvalidInput, InvalidTransition
from domain.orders import FulfillmentStatus
from domain.pick_process import HANDOVER, KNOWN_STEPS, PACK, PICK, UNSKIPPABLE, VAS
from domain.short_picks import nothing_left


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
    progress: StepProgress, method: str, tracking_number: str | None, *, open_vas: int, transfer: bool = False
) -> FulfillmentStatus:
    """The status hand-over moves to: READY_FOR_COLLECTION for a pickup, IN_TRANSIT for a transfer leg
    (shipped to a pickup store), SHIPPED otherwise."""
    check_next(progress, HANDOVER)
    if open_vas:
        raise InvalidTransition(f"{open_vas} value-added service task(s) still open", ("fulfillmentId",))
    if method == "SHIP" and not (tracking_number and tracking_number.strip()):
        raise InvalidInput("A shipment needs a trackingNumber", ("trackingNumber",))
    if transfer:
        return FulfillmentStatus.IN_TRANSIT
    return FulfillmentStatus.READY_FOR_COLLECTION if method == "PICKUP" else FulfillmentStatus.SHIPPED


@dataclass(frozen=True, slots=True)
class FulfillmentProgress:
    """What a fulfillment shows beyond its status: steps, tracking, delivery, its pick list."""

    steps: StepProgress
    tracking_number: str | None
    delivered_at: datetime | None
    pick_list_id: str | None
    collection_failures: int = 0
