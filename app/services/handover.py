"""Use cases after the pick: steps, hand-over, collection; and what carriers and the ERP tell us.

Steps follow the fulfillment's own list (fixed when its pick list was made).
`hand_over` ships (SHIP, SAME_DAY: a tracking number) or makes the parcel
ready for collection (PICKUP: a collection code goes to the customer through
the `fulfillment.status_changed` event; only its digest is stored). Shipped
and collected units leave the location's books: on-hand and reservation
drop together, so ATP does not move.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from app.resources import Resources
from app.services import fulfillment_log, transfers
from app.services.picking import record
from app.services.uow import UnitOfWork
from app.store import catalog
from app.store import fulfillments as fulfillment_store
from app.store import orders as order_store
from app.store import reservations as reservation_store
from app.store import tasks as task_store
from domain import order_reports, picking
from domain.errors import DomainError, InvalidTransition, NotFound, TooManyAttempts
from domain.ledger import Cause, Why
from domain.orders import FulfillmentStatus
from domain.tasks import PICK_EXCEPTION, VAS


@dataclass(frozen=True, slots=True)
class Touched:
    order_id: str
    fulfillment_id: str


Command = Callable[..., Awaitable[Touched]]


async def order_of(resources: Resources, fulfillment_id: str) -> str | None:
    async with resources.db.read() as conn:
        return await fulfillment_store.order_of(conn, fulfillment_id)


async def _lock(uow: UnitOfWork, fulfillment_id: str) -> fulfillment_store.FulfillmentRow | None:
    """The fulfillment row locked, after its order's row: every command locks order before fulfillment."""
    order_id = await fulfillment_store.order_of(uow.conn, fulfillment_id)
    if order_id is None:
        return None
    await order_store.lock_order(uow.conn, order_id)
    return await fulfillment_store.lock_fulfillment(uow.conn, fulfillment_id)


async def _locked(uow: UnitOfWork, fulfillment_id: str) -> fulfillment_store.FulfillmentRow:
    row = await _lock(uow, fulfillment_id)
    if row is None:
        raise NotFound(f"No fulfillment {fulfillment_id!r}", ("fulfillmentId",))
    if row.status is FulfillmentStatus.CANCELLED:
        raise InvalidTransition(f"Fulfillment {fulfillment_id} is cancelled", ("fulfillmentId",))
    if not row.progress.steps:
        raise InvalidTransition(f"Fulfillment {fulfillment_id} is not on a pick list yet", ("fulfillmentId",))
    return row


async def _open_vas(uow: UnitOfWork, fulfillment_id: str) -> int:
    """Open VAS tasks; an open pick exception blocks every step until a supervisor decides."""
    live = await task_store.open_for_subject(uow.conn, fulfillment_id)
    if live.get(PICK_EXCEPTION):
        raise InvalidTransition("A pick exception on this fulfillment is still open", ("fulfillmentId",))
    return live.get(VAS, 0)


async def complete_step(resources: Resources, *, fulfillment_id: str, step: str, who: str) -> Touched:
    uow = resources.uow()
    async with uow:
        row = await _locked(uow, fulfillment_id)
        progress = picking.complete_step(
            row.progress, step, who, uow.now, open_vas=await _open_vas(uow, fulfillment_id)
        )
        await fulfillment_store.save_progress(uow.conn, fulfillment_id, progress, uow.now)
        if step == picking.PACK:
            await fulfillment_log.advance(uow, row, FulfillmentStatus.PACKED, f"Packed at {row.location_id}")
        else:
            await uow.record("fulfillment.step_completed", _step_event(row, step, who))
    return Touched(row.order_id, fulfillment_id)


async def skip_step(resources: Resources, *, fulfillment_id: str, step: str, reason: str, who: str) -> Touched:
    uow = resources.uow()
    async with uow:
        row = await _locked(uow, fulfillment_id)
        open_vas = await _open_vas(uow, fulfillment_id)
        progress = picking.skip_step(row.progress, step, who, uow.now, reason, open_vas=open_vas)
        await fulfillment_store.save_progress(uow.conn, fulfillment_id, progress, uow.now)
        await uow.record("fulfillment.step_skipped", _step_event(row, step, who) | {"reason": reason})
    return Touched(row.order_id, fulfillment_id)


def _step_event(row: fulfillment_store.FulfillmentRow, step: str, who: str) -> dict[str, object]:
    return {"fulfillmentId": row.id, "orderId": row.order_id, "locationId": row.location_id, "step": step, "by": who}


async def hand_over(resources: Resources, *, fulfillment_id: str, tracking_number: str | None, who: str) -> Touched:
    uow = resources.uow()
    async with uow:
        row = await _locked(uow, fulfillment_id)
        open_vas = await _open_vas(uow, fulfillment_id)
        transfer = row.transfer_to is not None  # a transfer leg: it ships to the pickup store
        target = picking.check_handover(row.progress, row.method, tracking_number, open_vas=open_vas, transfer=transfer)
        progress = row.progress.record(picking.HANDOVER, "DONE", who, uow.now)
        await fulfillment_store.save_progress(uow.conn, fulfillment_id, progress, uow.now)
        extra: dict[str, str | None]
        if target is FulfillmentStatus.READY_FOR_COLLECTION:
            code = picking.new_collection_code(secrets.randbelow)
            await fulfillment_store.set_handover(uow.conn, fulfillment_id, None, picking.code_digest(code))
            extra = {"collectionCode": code}
            message = f"Ready for collection at {row.location_id}"
        else:
            number = (tracking_number or "").strip() or None
            await fulfillment_store.set_handover(uow.conn, fulfillment_id, number, None)
            await _take_out(uow, row)
            extra = {"trackingNumber": number}
            message = f"Shipped from {row.location_id}" + (f", tracking {number}" if number else "")
            if row.transfer_to is not None:
                message = f"Transfer shipped from {row.location_id} to {row.transfer_to}"
                event = transfers.shipped_event(row.order_id, row.id, row.location_id, row.transfer_to)
                await uow.record("transfer.shipped", event | {"trackingNumber": number})
        await fulfillment_log.advance(uow, row, target, message, extra)
        if row.transfer_to is not None:  # the order's events say so, though its status stays IN_FULFILLMENT
            await fulfillment_log.follow_order(uow, row.order_id, message, event_type="transfer.shipped")
        location = (await catalog.locations_by_id(uow.conn, [row.location_id]))[row.location_id]
        punctual = picking.on_time(row.created_at, uow.now, location.turnaround_hours)
        await record(uow, row.location_id, handovers=1, on_time=int(punctual))
    return Touched(row.order_id, fulfillment_id)


async def confirm_collection(resources: Resources, *, fulfillment_id: str, code: str) -> Touched:
    """The customer's code collects the parcel. A wrong code is refused and counted (that count is the one
    thing the refusal writes, with a `fulfillment.collection_failed` event); the fifth locks the collection
    until `reissue_collection_code`."""
    uow = resources.uow()
    refusal: DomainError | None = None
    async with uow:
        row = await _locked(uow, fulfillment_id)
        failures = row.collection_failures
        if picking.check_collection(fulfillment_id, row.status, code, row.collection_code_digest, failures):
            await _take_out(uow, row)
            await fulfillment_log.advance(uow, row, FulfillmentStatus.COLLECTED, f"Collected at {row.location_id}")
        else:
            failures = await fulfillment_store.count_collection_failure(uow.conn, fulfillment_id)
            refusal = picking.wrong_code(fulfillment_id, failures)
            locked = isinstance(refusal, TooManyAttempts)
            payload = {**_parcel(row), "failures": failures, "locked": locked}
            await uow.record("fulfillment.collection_failed", payload)
            if locked:
                message = f"Collection at {row.location_id} locked after {failures} wrong codes"
                await fulfillment_log.follow_order(
                    uow, row.order_id, message, event_type="fulfillment.collection_locked"
                )
    if refusal is not None:
        raise refusal
    return Touched(row.order_id, fulfillment_id)


async def reissue_collection_code(resources: Resources, *, fulfillment_id: str, who: str) -> Touched:
    """A new code for a parcel waiting for collection (lost, or locked by wrong codes): the old code stops
    working, the count of wrong codes starts again, and the new code goes to the customer through the
    `fulfillment.collection_code_reissued` event, like the first one."""
    uow = resources.uow()
    async with uow:
        row = await _locked(uow, fulfillment_id)
        picking.check_reissue(fulfillment_id, row.status)
        code = picking.new_collection_code(secrets.randbelow)
        await fulfillment_store.set_collection_code(uow.conn, fulfillment_id, picking.code_digest(code))
        await uow.record("fulfillment.collection_code_reissued", {**_parcel(row), "collectionCode": code, "by": who})
        message = f"New collection code sent from {row.location_id}"  # who did it: the webhook payload only
        await fulfillment_log.follow_order(
            uow, row.order_id, message, event_type="fulfillment.collection_code_reissued"
        )
    return Touched(row.order_id, fulfillment_id)


def _parcel(row: fulfillment_store.FulfillmentRow) -> dict[str, object]:
    return {"fulfillmentId": row.id, "orderId": row.order_id, "locationId": row.location_id}


async def _take_out(uow: UnitOfWork, row: fulfillment_store.FulfillmentRow) -> None:
    quantities = await fulfillment_store.fulfillment_quantities(uow.conn, row.id)
    for sku in sorted(quantities):  # lock order: (location, sku)
        if quantities[sku]:
            why = Why(Cause.SHIP, row.order_id)
            await reservation_store.take_out(uow.conn, sku, row.location_id, quantities[sku], uow.now, why=why)


async def confirm_delivery(
    resources: Resources, *, fulfillment_id: str, delivered_at: datetime | None, carrier_reference: str | None
) -> Touched:
    """A carrier says the parcel arrived; repeating it changes nothing."""
    uow = resources.uow()
    async with uow:
        row = await _lock(uow, fulfillment_id)
        if row is None:
            raise NotFound(f"No fulfillment {fulfillment_id!r}", ("fulfillmentId",))
        at = delivered_at or uow.now
        shipped_at = row.progress.done_at(picking.HANDOVER)
        if not order_reports.check_delivery(
            fulfillment_id, row.status, row.delivered_at, at, uow.now, shipped_at=shipped_at
        ):
            return Touched(row.order_id, fulfillment_id)
        await fulfillment_store.set_delivered(uow.conn, fulfillment_id, at)
        payload = {
            "fulfillmentId": fulfillment_id,
            "orderId": row.order_id,
            "deliveredAt": at.isoformat(),
            "carrierReference": carrier_reference,
            "trackingNumber": row.tracking_number,
        }
        await uow.record("fulfillment.delivered", payload)
        await fulfillment_log.follow_order(
            uow,
            row.order_id,
            f"Delivered ({row.tracking_number or fulfillment_id})",
            event_type="fulfillment.delivered",
        )
    return Touched(row.order_id, fulfillment_id)


async def acknowledge_order(resources: Resources, *, order_id: str, reference: str) -> str:
    """The ERP took the order over under its own reference; the same acknowledgement again is a no-op."""
    order_reports.validate_reference(reference)
    uow = resources.uow()
    async with uow:
        row = await order_store.lock_order(uow.conn, order_id)
        if row is None:
            raise NotFound(f"No order {order_id!r}", ("id",))
        if not order_reports.check_acknowledgement(order_id, row.erp_reference, reference):
            return order_id
        await order_store.acknowledge(uow.conn, order_id, reference, uow.now)
        await uow.record("order.acknowledged", {"orderId": order_id, "erpReference": reference})
        await fulfillment_log.follow_order(uow, order_id, f"ERP reference {reference}", event_type="order.acknowledged")
    return order_id
