"""Short picks: units a store could not pick, and what becomes of them.

On the short itself the units stop being reserved at that store; NOT_FOUND and
DAMAGED also take them off its on-hand (phantom stock must stop being
promised). Under REROUTE_NOW they are re-sourced at once; under RESOLVE_LATER,
or when nothing else can serve them, a PICK_EXCEPTION task lets a supervisor
choose: REROUTE, PARTIAL (ship what was picked) or CANCEL_LINE (put the picked
units back, nothing of that SKU ships from here).
"""

from __future__ import annotations

from collections.abc import Sequence

from app.resources import Resources
from app.services import fulfillment_log, task_log
from app.services.inventory import AVAILABILITY_TOPIC
from app.services.reroute import reroute
from app.services.uow import UnitOfWork
from app.store import fulfillments as fulfillment_store
from app.store import pick_lists as pick_list_store
from app.store import reservations as reservation_store
from app.store import transfers as transfer_store
from domain import picking, transfers
from domain.errors import InsufficientStock
from domain.ledger import Cause, Why
from domain.orders import FulfillmentStatus
from domain.picking import LineChange, PickProcess, ShortPickPolicy
from domain.tasks import PICK_EXCEPTION, Task


async def declare(
    uow: UnitOfWork,
    resources: Resources,
    *,
    process: PickProcess,
    location_id: str,
    fulfillment_id: str,
    changes: Sequence[LineChange],
) -> None:
    """Units of one fulfillment just declared short at `location_id`."""
    corrected = []
    why = Why(Cause.SHORT_PICK, fulfillment_id)
    for change in changes:
        line = change.after
        if picking.corrects_on_hand(line.short_reason):
            await reservation_store.take_out(uow.conn, line.sku, location_id, change.short, uow.now, why=why)
            corrected.append(line.sku)
        else:
            await reservation_store.release(uow.conn, line.sku, location_id, change.short, uow.now, why=why)
    if corrected:
        await uow.record(
            "inventory.changed", {"source": "short_pick", "locationId": location_id, "skus": sorted(corrected)}
        )
    uow.emit(AVAILABILITY_TOPIC, {"skus": sorted({c.after.sku for c in changes})})
    row = await fulfillment_store.lock_fulfillment(uow.conn, fulfillment_id)
    assert row is not None
    missing = {c.after.sku: c.short for c in changes}
    what = ", ".join(f"{c.after.sku} x{c.short} ({c.after.short_reason})" for c in changes)
    if row.transfer_to is not None:  # a leg's units are never sent from elsewhere: a supervisor decides
        what += f"; a transfer to {row.transfer_to}: keep what was picked or cancel the lines"
    elif process.short_pick_policy is ShortPickPolicy.REROUTE_NOW:
        moved = await reroute(uow, resources, order_id=row.order_id, away_from=location_id, missing=missing)
        if moved is not None:
            quantities = await fulfillment_store.fulfillment_quantities(uow.conn, fulfillment_id)
            await _set_quantities(uow, fulfillment_id, picking.reduced(quantities, missing))
            message = f"Short at {location_id}: {what}; rerouted {moved.describe()}"
            await fulfillment_log.follow_order(uow, row.order_id, message, event_type="order.rerouted")
            return
        what += "; no other location can serve it now"
    await task_log.open_task(
        uow,
        PICK_EXCEPTION,
        order_id=row.order_id,
        location_id=location_id,
        subject_id=fulfillment_id,
        note=f"Short: {what}",
    )
    await fulfillment_log.follow_order(
        uow, row.order_id, f"Short at {location_id}: {what}; waiting for a supervisor", event_type="order.short_picked"
    )


async def _set_quantities(uow: UnitOfWork, fulfillment_id: str, quantities: dict[str, int]) -> None:
    for sku, quantity in quantities.items():
        await fulfillment_store.set_fulfillment_quantity(uow.conn, fulfillment_id, sku, quantity)


async def _follow_leg(
    uow: UnitOfWork, leg: fulfillment_store.FulfillmentRow, quantities: dict[str, int], message: str, *, emptied: bool
) -> None:
    """The store's pickup waits for what the leg will bring: the same units, or nothing (cancelled with it)."""
    assert leg.transfer_to is not None
    pickup = await transfer_store.lock_pickup(uow.conn, leg.order_id, leg.location_id, leg.transfer_to)
    if pickup is None or pickup.status is not FulfillmentStatus.AWAITING_TRANSFER:
        return
    await _set_quantities(uow, pickup.id, quantities)
    if emptied:
        await fulfillment_log.advance(uow, pickup, FulfillmentStatus.CANCELLED, message)


async def resolve(uow: UnitOfWork, resources: Resources, task: Task, outcome: str) -> None:
    """A supervisor's decision on a PICK_EXCEPTION task (inside the task's completion)."""
    assert task.subject_id is not None
    row = await fulfillment_store.lock_fulfillment(uow.conn, task.subject_id)
    if row is None or row.status is FulfillmentStatus.CANCELLED:
        return
    lines = [line.state for line in await pick_list_store.lines_of_fulfillment(uow.conn, row.id)]
    quantities = await fulfillment_store.fulfillment_quantities(uow.conn, row.id)
    pending = picking.pending_shorts(lines, quantities)
    if not pending:
        return
    if row.transfer_to is not None:
        transfers.check_short_outcome(row.id, outcome)
    decided = picking.resolve_shorts(outcome, quantities, lines)
    what = ", ".join(f"{sku} x{n}" for sku, n in sorted(pending.items()))
    if outcome == "REROUTE":
        moved = await reroute(uow, resources, order_id=row.order_id, away_from=row.location_id, missing=pending)
        if moved is None:
            raise InsufficientStock(f"No other location can serve {what} now", ("outcome",))
        message = f"Pick exception at {row.location_id}: rerouted {moved.describe()}"
    elif outcome == "PARTIAL":
        message = f"Pick exception at {row.location_id}: {what} will not be fulfilled"
    else:
        message = f"Pick exception at {row.location_id}: lines {', '.join(sorted(pending))} cancelled"
    for sku, units in decided.put_back.items():  # in (location, sku) order
        await reservation_store.release(uow.conn, sku, row.location_id, units, uow.now, why=Why(Cause.PUT_BACK, row.id))
    if outcome == "CANCEL_LINE":
        uow.emit(AVAILABILITY_TOPIC, {"skus": sorted(pending)})
    await _set_quantities(uow, row.id, decided.quantities)
    emptied = picking.nothing_left(quantities | decided.quantities)
    if row.transfer_to is not None:
        await _follow_leg(uow, row, decided.quantities, message, emptied=emptied)
    if emptied and row.status in (FulfillmentStatus.PICKED, FulfillmentStatus.PICKING):
        await fulfillment_log.advance(uow, row, FulfillmentStatus.CANCELLED, message)
        return
    await fulfillment_log.follow_order(uow, row.order_id, message, event_type="order.pick_exception_resolved")
