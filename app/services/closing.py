"""A store closes (and reopens): `setLocationActive`.

Transaction shape. The contract's rule is one transaction per command; a store
with 500 open fulfillments would make that one transaction hold 500 orders'
locks, reservations at a dozen other locations and a capacity counter each,
for seconds, and a single failure anywhere would undo the closing itself. So:

1. The flag commits first, alone (with its version bump and a
   `location.active_changed` event): promising there stops at once, on every
   replica at its next read, whatever happens next.
2. Each of the store's unstarted fulfillments is then re-sourced in its own
   transaction (order locked first, then the fulfillment, its state checked
   again under the lock): reserve elsewhere and add fulfillments there
   (`reroute`, all or nothing), cancel this one (its daily capacity given
   back), release its units here, put its pick lines back, tell the order.
   When nothing can serve it, a STORE_CLOSED task is opened in that same
   transaction.

The call is idempotent, so a crash midway is resumed by calling again: a
moved fulfillment is CANCELLED and no longer listed; one that already has a
live STORE_CLOSED task is counted as unresolved and left to its task; the
flag is written (and announced) only when it changes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from app.resources import Resources
from app.services import fulfillment_log, task_log
from app.services.inventory import AVAILABILITY_TOPIC
from app.services.reroute import reroute
from app.services.uow import UnitOfWork
from app.store import catalog
from app.store import fulfillments as fulfillment_store
from app.store import orders as order_store
from app.store import pick_lists as pick_list_store
from app.store import positions as position_store
from app.store import reservations as reservation_store
from app.store import tasks as task_store
from domain import closing as rules
from domain.errors import InsufficientStock, NotFound
from domain.ledger import Cause, Why
from domain.locations import Location
from domain.orders import FulfillmentStatus
from domain.tasks import STORE_CLOSED, Task


class Outcome(enum.Enum):
    MOVED = "MOVED"
    STRANDED = "STRANDED"  # nothing else can serve it: a task decides
    GONE = "GONE"  # started, cancelled or moved meanwhile: not this command's business any more


@dataclass(frozen=True, slots=True)
class Closing:
    location: Location
    resourced: int
    unresolved: int
    kept: int  # started work that stays with the store


async def set_location_active(
    resources: Resources, *, location_id: str, active: bool, reason: str, resource_open_work: bool, who: str
) -> Closing:
    why = rules.check_reason(reason)
    uow = resources.uow()
    async with uow:
        found = (await catalog.locations_by_id(uow.conn, [location_id])).get(location_id)
        if found is None:
            raise NotFound(f"No location {location_id!r}", ("input", "id"))
        if await catalog.set_location_active(uow.conn, location_id, active, uow.now):
            change = {"locationId": location_id, "active": active, "reason": why, "by": who}
            await uow.record("location.active_changed", change)
            skus = await position_store.skus_at(uow.conn, location_id)
            if skus:  # its stock leaves (or rejoins) every SKU's availability: subscribers hear it
                uow.emit(AVAILABILITY_TOPIC, {"skus": skus})
        work = [] if active or not resource_open_work else await _unstarted(uow, location_id)
        kept = len(await fulfillment_store.ids_at(uow.conn, location_id, rules.KEPT))
    outcomes = [await _resource(resources, fulfillment_id, location_id, why) for fulfillment_id in work]
    return Closing(
        replace(found, active=active),
        resourced=outcomes.count(Outcome.MOVED),
        unresolved=outcomes.count(Outcome.STRANDED),
        kept=kept,
    )


async def _unstarted(uow: UnitOfWork, location_id: str) -> list[str]:
    return await fulfillment_store.ids_at(uow.conn, location_id, rules.MOVABLE)


async def _resource(resources: Resources, fulfillment_id: str, location_id: str, why: str) -> Outcome:
    """One fulfillment, one transaction: moved, or a task opened (once), or left alone."""
    uow = resources.uow()
    async with uow:
        if (await task_store.open_for_subject(uow.conn, fulfillment_id)).get(STORE_CLOSED):
            return Outcome.STRANDED  # a person decides it already
        outcome, missing, order_id = await move(uow, resources, fulfillment_id, location_id, why)
        if outcome is Outcome.STRANDED:
            text = rules.stranded(location_id, why, rules.what(missing))
            await task_log.open_task(
                uow, STORE_CLOSED, order_id=order_id, location_id=location_id, subject_id=fulfillment_id, note=text
            )
            await fulfillment_log.follow_order(uow, order_id, text, event_type="order.store_closed")
    return outcome


async def move(
    uow: UnitOfWork, resources: Resources, fulfillment_id: str, location_id: str, why: str
) -> tuple[Outcome, dict[str, int], str]:
    """Inside an open unit of work: re-source an unstarted fulfillment away from `location_id`."""
    order_id = await fulfillment_store.order_of(uow.conn, fulfillment_id)
    if order_id is None:
        return Outcome.GONE, {}, ""
    await order_store.lock_order(uow.conn, order_id)  # lock order: the order, then its fulfillments
    row = await fulfillment_store.lock_fulfillment(uow.conn, fulfillment_id)
    if row is None or row.location_id != location_id or not rules.movable(row.status):
        return Outcome.GONE, {}, order_id
    missing = {sku: n for sku, n in (await fulfillment_store.fulfillment_quantities(uow.conn, row.id)).items() if n}
    if row.transfer_to is not None:  # a transfer leg: its store's pickup waits for it; a person decides
        return Outcome.STRANDED, missing, order_id
    moved = (
        await reroute(uow, resources, order_id=order_id, away_from=location_id, missing=missing) if missing else None
    )
    if missing and moved is None:
        return Outcome.STRANDED, missing, order_id
    for sku, quantity in sorted(missing.items()):
        await reservation_store.release(uow.conn, sku, location_id, quantity, uow.now, why=Why(Cause.REROUTE, order_id))
    text = rules.rerouted(location_id, why, moved.describe() if moved else "nothing (no units left)")
    await fulfillment_log.advance(uow, row, FulfillmentStatus.CANCELLED, text)
    await pick_list_store.refresh_lists(uow.conn, [row.id], uow.now)
    if moved is not None:
        takes = [{"locationId": loc, "sku": sku, "quantity": n} for loc, sku, n in moved.takes]
        change = {"orderId": order_id, "fromLocationId": location_id, "reason": why, "takes": takes}
        await uow.record("order.rerouted", change | {"fulfillmentIds": moved.fulfillment_ids})
        await fulfillment_log.follow_order(uow, order_id, text, event_type="order.rerouted")
    return Outcome.MOVED, missing, order_id


async def resolve(uow: UnitOfWork, resources: Resources, task: Task, outcome: str) -> None:
    """A person's decision on a STORE_CLOSED task (inside the task's completion): REROUTE tries again, WAIT keeps
    the fulfillment at the store for its reopening."""
    if outcome != "REROUTE" or task.subject_id is None or task.location_id is None:
        return
    why = "REROUTE decided on its task"
    result, missing, _ = await move(uow, resources, task.subject_id, task.location_id, why)
    if result is Outcome.STRANDED:
        raise InsufficientStock(f"No other location can serve {rules.what(missing)} now", ("outcome",))
