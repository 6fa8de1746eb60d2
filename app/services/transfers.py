"""Use cases of ship-to-store transfers: serving a pickup by transfer, writing its two legs, receiving it.

The rules (who may send, timing, what stock does) are `domain.transfers`;
placeOrder asks `choose` after the store's own plan, writes the order as
usual (the source's reservation is guarded like any other) and then
`write_legs`; the source picks, packs and ships the leg through the pick
flow (`transfer.shipped`); `receive_transfer` makes the store's pickup ready.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from app.resources import Resources
from app.services import fulfillment_log
from app.services import sourcing as routing
from app.services.inventory import AVAILABILITY_TOPIC
from app.services.uow import UnitOfWork
from app.store import fulfillments as fulfillment_store
from app.store import orders as order_store
from app.store import transfers as transfer_store
from domain import picking, sourcing, transfers
from domain.errors import NotFound
from domain.ledger import Cause, Why
from domain.locations import FulfillmentMethod, Location
from domain.orders import Delivery, FulfillmentLine, FulfillmentStatus
from domain.picking import StepProgress
from domain.transfers import Transfer


def choose(
    inputs: routing.Inputs, plan: sourcing.Plan, delivery: Delivery, locations: Mapping[str, Location]
) -> tuple[sourcing.Plan, Transfer | None]:
    """The store's own plan when it serves the pickup; else a transfer's, when the profile allows one."""
    store = locations.get(delivery.pickup_location_id or "")
    if plan.complete or store is None or delivery.method is not FulfillmentMethod.PICKUP:
        return plan, None
    found = transfers.find(inputs.candidates, inputs.request, inputs.profile, store, plan)
    return (found.plan, found) if found else (plan, None)


async def write_legs(
    uow: UnitOfWork, transfer: Transfer, *, order_id: str, leg_id: str, pickup_id: str, lines: list[FulfillmentLine]
) -> None:
    """After the order is written with its leg at the source: the leg goes to the store, the pickup waits."""
    await transfer_store.write_legs(
        uow.conn,
        order_id=order_id,
        leg_id=leg_id,
        pickup_id=pickup_id,
        source=transfer.source.id,
        store=transfer.store.id,
        lines=lines,
        now=uow.now,
    )


def payload_fulfillments(
    transfer: Transfer, *, leg_id: str, pickup_id: str, lines: list[FulfillmentLine]
) -> list[dict[str, object]]:
    """`order.created`'s fulfillments of an order served by a transfer: the leg to the store, the store's pickup."""
    units = [{"sku": x.sku, "quantity": x.quantity} for x in lines]
    source, store = transfer.source.id, transfer.store.id
    return [
        {"id": leg_id, "locationId": source, "method": "SHIP", "transferTo": store, "lines": units},
        {"id": pickup_id, "locationId": store, "method": "PICKUP", "transferFrom": source, "lines": units},
    ]


def shipped_event(order_id: str, fulfillment_id: str, source: str, store: str) -> dict[str, object]:
    return {"orderId": order_id, "fulfillmentId": fulfillment_id, "from": source, "to": store}


@dataclass(frozen=True, slots=True)
class Received:
    order_id: str
    fulfillment_id: str


async def receive_transfer(resources: Resources, *, fulfillment_id: str, who: str) -> Received:
    """The store received the transfer for this pickup: the units join its shelf reserved for the pickup,
    which becomes READY_FOR_COLLECTION (a collection code goes to the customer); again changes nothing."""
    uow = resources.uow()
    async with uow:
        order_id = await fulfillment_store.order_of(uow.conn, fulfillment_id)
        pickup = None
        if order_id is not None:
            await order_store.lock_order(uow.conn, order_id)
            pickup = await fulfillment_store.lock_fulfillment(uow.conn, fulfillment_id)
        if pickup is None:
            raise NotFound(f"No fulfillment {fulfillment_id!r}", ("fulfillmentId",))
        source = transfers.check_pickup(fulfillment_id, pickup.transfer_from)
        leg = await transfer_store.lock_leg(uow.conn, pickup.order_id, source, pickup.location_id)
        if leg is None:
            raise NotFound(f"No transfer from {source} for {fulfillment_id}", ("fulfillmentId",))
        if not transfers.receivable(fulfillment_id, leg.status):
            return Received(pickup.order_id, fulfillment_id)
        await _arrive(uow, pickup, leg, who)
    return Received(pickup.order_id, fulfillment_id)


async def _arrive(
    uow: UnitOfWork, pickup: fulfillment_store.FulfillmentRow, leg: fulfillment_store.FulfillmentRow, who: str
) -> None:
    """The pickup first, then the leg: the order stays IN_FULFILLMENT throughout."""
    store = pickup.location_id
    quantities = await fulfillment_store.fulfillment_quantities(uow.conn, leg.id)
    waiting = pickup.status is FulfillmentStatus.AWAITING_TRANSFER  # not cancelled meanwhile
    why = Why(Cause.TRANSFER, pickup.order_id)
    await transfer_store.arrive(uow.conn, store, quantities, reserve=waiting, now=uow.now, why=why)
    if waiting:
        code = picking.new_collection_code(secrets.randbelow)
        progress = StepProgress((picking.HANDOVER,), ()).record(picking.HANDOVER, "DONE", who, uow.now)
        await transfer_store.ready_pickup(uow.conn, pickup.id, progress, picking.code_digest(code))
        message = f"Ready for collection at {store} (transfer from {leg.location_id} received)"
        ready = FulfillmentStatus.READY_FOR_COLLECTION
        await fulfillment_log.advance(uow, pickup, ready, message, {"collectionCode": code})
    received = f"Transfer from {leg.location_id} received at {store}"
    await fulfillment_log.advance(uow, leg, FulfillmentStatus.RECEIVED, received)
    await fulfillment_log.follow_order(uow, pickup.order_id, received, event_type="transfer.received")
    payload = shipped_event(pickup.order_id, leg.id, leg.location_id, store)
    await uow.record("transfer.received", payload | {"pickupFulfillmentId": pickup.id, "by": who})
    uow.emit(AVAILABILITY_TOPIC, {"skus": sorted(quantities)})
