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
from app.store import orders as order_store
from app.store import picking as store
from domain import picking
from domain.errors import InsufficientStock
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
    for change in changes:
        line = change.after
        if picking.corrects_on_hand(line.short_reason):
            await store.take_out(uow.conn, line.sku, location_id, change.short, uow.now)
            corrected.append(line.sku)
        else:
            await order_store.release(uow.conn, line.sku, location_id, change.short, uow.now)
    if corrected:
        await uow.record(
            "inventory.changed", {"source": "short_pick", "locationId": location_id, "skus": sorted(corrected)}
        )
    uow.emit(AVAILABILITY_TOPIC, {"skus": sorted({c.after.sku for c in changes})})
    row = await store.lock_fulfillment(uow.conn, fulfillment_id)
    assert row is not None
    missing = {c.after.sku: c.short for c in changes}
    what = ", ".join(f"{c.after.sku} x{c.short} ({c.after.short_reason})" for c in changes)
    if process.short_pick_policy is ShortPickPolicy.REROUTE_NOW:
        moved = await reroute(uow, resources, order_id=row.order_id, away_from=location_id, missing=missing)
        if moved is not None:
            await _reduce(uow, fulfillment_id, missing)
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


async def _reduce(uow: UnitOfWork, fulfillment_id: str, by: dict[str, int]) -> None:
    quantities = await store.fulfillment_quantities(uow.conn, fulfillment_id)
    for sku, units in by.items():
        await store.set_fulfillment_quantity(uow.conn, fulfillment_id, sku, max(quantities.get(sku, 0) - units, 0))


async def resolve(uow: UnitOfWork, resources: Resources, task: Task, outcome: str) -> None:
    """A supervisor's decision on a PICK_EXCEPTION task (inside the task's completion)."""
    assert task.subject_id is not None
    row = await store.lock_fulfillment(uow.conn, task.subject_id)
    if row is None or row.status is FulfillmentStatus.CANCELLED:
        return
    picked: dict[str, int] = {}
    short: dict[str, int] = {}
    for line in await store.lines_of_fulfillment(uow.conn, row.id):
        picked[line.sku] = picked.get(line.sku, 0) + line.picked
        short[line.sku] = short.get(line.sku, 0) + line.short
    quantities = await store.fulfillment_quantities(uow.conn, row.id)
    # Units declared short and still counted in the fulfillment (a resolution brings it down to what was picked).
    pending = {
        sku: n for sku, units in short.items() if (n := min(units, quantities.get(sku, 0) - picked.get(sku, 0))) > 0
    }
    if not pending:
        return
    what = ", ".join(f"{sku} x{n}" for sku, n in sorted(pending.items()))
    if outcome == "REROUTE":
        moved = await reroute(uow, resources, order_id=row.order_id, away_from=row.location_id, missing=pending)
        if moved is None:
            raise InsufficientStock(f"No other location can serve {what} now", ("outcome",))
        await _reduce(uow, row.id, pending)
        message = f"Pick exception at {row.location_id}: rerouted {moved.describe()}"
    elif outcome == "PARTIAL":
        await _reduce(uow, row.id, pending)
        message = f"Pick exception at {row.location_id}: {what} will not be fulfilled"
    else:  # CANCEL_LINE: the picked units of those SKUs go back on the shelf
        for sku in sorted(pending):
            if picked.get(sku):
                await order_store.release(uow.conn, sku, row.location_id, picked[sku], uow.now)
            await store.set_fulfillment_quantity(uow.conn, row.id, sku, 0)
        uow.emit(AVAILABILITY_TOPIC, {"skus": sorted(pending)})
        message = f"Pick exception at {row.location_id}: lines {', '.join(sorted(pending))} cancelled"
    if sum((await store.fulfillment_quantities(uow.conn, row.id)).values()) == 0 and row.status in (
        FulfillmentStatus.PICKED,
        FulfillmentStatus.PICKING,
    ):
        await fulfillment_log.move(
            uow,
            order_id=row.order_id,
            fulfillment_id=row.id,
            current=row.status,
            target=FulfillmentStatus.CANCELLED,
            message=message,
        )
        return
    await fulfillment_log.follow_order(uow, row.order_id, message, event_type="order.pick_exception_resolved")
