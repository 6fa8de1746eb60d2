"""Use cases for orders: place, preview, cancel, request a return.

`place_order` is one transaction: read the cart's stock, source, then write
the order whole with its guarded reservations (its row claims the
idempotency key, unique on the key; on PostgreSQL this is one statement, atomic
by itself, see `app.store.placing`), count the sales.
If another order takes the stock between the read and the guarded write, the
whole command is retried from a fresh read; nothing is ever half-placed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from app.resources import Resources
from app.services import backorders as backorder_service
from app.services import checkout, postal, task_log, vas
from app.services import preorders as preorder_service
from app.services import sourcing as routing
from app.services import transfers as transfer_service
from app.services.inventory import AVAILABILITY_TOPIC
from app.services.order_events import announce
from app.services.uow import UnitOfWork, new_event_id, utc_now
from app.store import catalog, counters, placing
from app.store import fulfillments as fulfillment_store
from app.store import orders as order_store
from app.store import pick_lists as pick_list_store
from app.store import reservations as reservation_store
from app.store import tasks as task_store
from domain import orders as rules
from domain import sourcing, transfers
from domain import tasks as tasks_rules
from domain.errors import (
    IdempotencyConflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from domain.ledger import Cause, Why
from domain.locations import Location
from domain.orders import (
    Delivery,
    FulfillmentLine,
    FulfillmentStatus,
    Order,
    OrderEvent,
    OrderRequest,
    OrderStatus,
)
from domain.profiles import SourcingProfile


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


@dataclass(frozen=True, slots=True)
class Placed:
    order_id: str
    created: bool
    order: Order | None = None  # the new order as written (None for a replay: read it back)


async def place_order(resources: Resources, *, request: OrderRequest) -> Placed:
    request = replace(request, delivery=await postal.resolved(resources.db, request.delivery))
    placed = await checkout.retried(
        lambda: _place_once(resources, request),
        doing="placing the order",
        kept="nothing was reserved",
        field=("lines",),
    )
    if placed.created:
        resources.sales.add(units_of(request))
    return placed


async def _place_once(resources: Resources, request: OrderRequest) -> Placed:
    uow = resources.uow()
    async with uow:
        read = await resources.availability.order_stock_in(uow.conn, [line.sku for line in request.lines], uow.now)
        rules.validate(request, read.known)
        check_pickup(resources, request.delivery)
        if read.preorders:  # the cart's items are not released yet: a pre-order, nothing reserved
            return await _take_preorder(uow, request, read)
        order_id = new_id("ord")
        slot = await checkout.slot_booking(uow.conn, resources, request.delivery, uow.now)
        inputs = await routing.gather(uow.conn, resources, routing.ask_for(request), uow.now, stock=read.view)
        plan = routing.run(inputs)  # a pickup the store cannot serve may be sent there by transfer (its profile)
        plan, transfer = transfer_service.choose(inputs, plan, request.delivery, resources.availability.cache.locations)
        if transfer is not None and slot is not None:
            transfers.check_slot(transfer, slot.starts_at, uow.now, checkout.SLOT_FIELD)
        if not plan.complete and request.allow_backorder:  # units beyond ATP promised against inbound, or refused
            locations = resources.availability.cache.locations
            return await _take_backorder(uow, request, read, plan, inputs, locations=locations)
        if not plan.complete and not inputs.profile.allow_partial:
            if not await order_store.claim_idempotency_key(uow.conn, order_id, request, uow.now):
                return await replay(uow, request)  # a replay gets its order even when the stock has gone since
            raise checkout.shortfall(inputs, plan)
        takes = sorted((a.location_id, a.sku, a.quantity) for a in plan.allocations)  # lock order: (location, sku)
        groups = rules.fulfillment_lines(takes)
        claims = checkout.capacity_claims(resources.availability.cache.locations, groups, uow.now)
        swept = await checkout.expire_lapsed(uow, takes, read.expired)  # holds past their time, not yet ended
        ids = {loc: new_id("ful") for loc in groups}
        stored_plan = routing.plan_to_json(plan, inputs.profile)
        on_hold = tasks_rules.should_hold(read.fraud, request.risk_score, request.total)
        status = rules.derive_status([FulfillmentStatus.AWAITING_PICK] * len(groups), on_hold=on_hold)
        event = OrderEvent(order_id, "order.created", status, uow.now, summary(plan, on_hold))
        pickup_id = new_id("ful")  # a transfer's pickup at the store (unused otherwise)
        payload = _created(order_id, request, groups, ids, uow.now, status, transfer, pickup_id)
        reservations = tuple(
            placing.Reservation(loc, sku, qty, inputs.held.get((loc, sku), 0)) for loc, sku, qty in takes
        )
        new = placing.NewOrder(
            order_id,
            request,
            status,
            on_hold,
            stored_plan,
            groups,
            ids,
            event,
            new_event_id(),
            "order.created",
            {"order": payload},
            uow.now,
            reservations,
            tuple(claims),
            {x.location_id: x.day for x in claims},
            (slot.location_id, slot.starts_at, slot.capacity) if slot else None,
        )
        # One write: the order row claims the idempotency key, and the order, its events and its guarded
        # reservations (last, in lock order) are kept whole or not at all.
        # fraud review, VAS tasks follow; or lapsed holds were ended first, in the same transaction
        more_writes = swept or on_hold or transfer is not None or any(line.services for line in request.lines)
        written = await placing.write_order(uow.conn, new, more_writes=more_writes)
        if written is placing.Written.KEY_TAKEN:
            return await replay(uow, request)
        if written is placing.Written.STOCK_MOVED or written is placing.Written.CAPACITY_FULL:
            raise checkout.StockMoved(capacity=written is placing.Written.CAPACITY_FULL)
        if written is placing.Written.SLOT_FULL:
            raise checkout.slot_full()
        uow.mark_recorded()
        if transfer is not None:  # the leg written at the source goes to the store, whose pickup waits for it
            leg = transfer.source.id
            await transfer_service.write_legs(
                uow, transfer, order_id=order_id, leg_id=ids[leg], pickup_id=pickup_id, lines=groups[leg]
            )
        if on_hold:
            await task_log.open_task(uow, tasks_rules.FRAUD_REVIEW, order_id=order_id)
        await vas.open_tasks(uow, order_id, request.lines, groups, ids)
        if not more_writes:
            uow.seal("placeOrder wrote the order in one statement (more_writes=False): a later write needs more_writes")
        announce(uow, event)
        uow.emit(AVAILABILITY_TOPIC, {"skus": sorted({sku for _, sku, _ in takes})})
        order = request.placed(order_id, status, uow.now, stored_plan)
    return Placed(order_id, True, order)


async def _take_preorder(uow: UnitOfWork, request: OrderRequest, read: placing.OrderStock) -> Placed:
    order_id = new_id("ord")
    taken = await preorder_service.take(uow, request, read, order_id, order_payload(order_id, request, {}, {}, uow.now))
    if taken is None:
        return await replay(uow, request)
    announce(uow, taken.event)
    return Placed(order_id, True, taken.order)


async def _take_backorder(
    uow: UnitOfWork,
    request: OrderRequest,
    read: placing.OrderStock,
    plan: sourcing.Plan,
    inputs: routing.Inputs,
    *,
    locations: Mapping[str, Location],
) -> Placed:
    order_id = new_id("ord")
    payload = order_payload(order_id, request, {}, {}, uow.now)
    taken = await backorder_service.take(
        uow, request, read, plan, inputs, order_id=order_id, payload=payload, locations=locations
    )
    if taken is None:
        return await replay(uow, request)
    announce(uow, taken.event)
    return Placed(order_id, True, taken.order)


def check_pickup(resources: Resources, delivery: Delivery) -> None:
    """The pickup store exists and offers the method (the replica's location cache was just checked)."""
    pickup = delivery.pickup_location_id
    if pickup is None:
        return
    found = resources.availability.cache.locations.get(pickup)
    if found is None:
        raise InvalidInput(f"Unknown pickup location {pickup!r}", ("delivery", "pickupLocationId"))
    if delivery.method not in found.capabilities:
        raise InvalidInput(f"{pickup} does not offer {delivery.method.value}", ("delivery", "pickupLocationId"))


async def replay(uow: UnitOfWork, request: OrderRequest) -> Placed:
    existing = await order_store.by_idempotency_key(uow.conn, request.idempotency_key)
    if existing is None:  # cannot happen: the key conflicted
        raise IdempotencyConflict("The idempotency key is in use", ("idempotencyKey",))
    order_id, fingerprint = existing
    if fingerprint != request.fingerprint():
        raise IdempotencyConflict(
            "This idempotencyKey was used for a different order", ("idempotencyKey",), order_id=order_id
        )
    return Placed(order_id, False)


def _created(  # noqa: PLR0917 - the pieces of one payload
    order_id: str,
    request: OrderRequest,
    groups: dict[str, list[FulfillmentLine]],
    ids: dict[str, str],
    now: datetime,
    status: OrderStatus,
    transfer: transfers.Transfer | None,
    pickup_id: str,
) -> dict[str, object]:
    """`order.created`'s order in its final shape: a transfer's leg to the store and the store's pickup."""
    payload = order_payload(order_id, request, groups, ids, now) | {"status": status.value}
    if transfer is not None:
        leg = transfer.source.id
        payload["fulfillments"] = transfer_service.payload_fulfillments(
            transfer, leg_id=ids[leg], pickup_id=pickup_id, lines=groups[leg]
        )
    return payload


def order_payload(
    order_id: str, request: OrderRequest, groups: dict[str, list[FulfillmentLine]], ids: dict[str, str], now: datetime
) -> dict[str, object]:
    """The order as webhooks and notification services see it."""
    return {
        "id": order_id,
        "status": OrderStatus.ALLOCATED.value,
        "channel": request.channel,
        "market": request.market,
        "customer": {"id": request.customer.id, "segment": request.customer.segment, "email": request.customer.email},
        "total": request.total,
        "createdAt": now.isoformat(),
        "delivery": {"method": request.delivery.method.value, "pickupLocationId": request.delivery.pickup_location_id},
        "lines": [{"sku": x.sku, "quantity": x.quantity, "unitPrice": x.unit_price} for x in request.lines],
        "fulfillments": [
            {"id": ids[loc], "locationId": loc, "lines": [{"sku": x.sku, "quantity": x.quantity} for x in lines]}
            for loc, lines in groups.items()
        ],
    }


def summary(plan: sourcing.Plan, held: bool = False) -> str:
    where = ", ".join(plan.locations())
    text = f"Allocated to {where} ({plan.shipments} shipment{'s' if plan.shipments != 1 else ''})"
    return text + "; on hold for fraud review" if held else text


def units_of(request: OrderRequest) -> dict[str, int]:
    units: dict[str, int] = {}
    for line in request.lines:
        units[line.sku] = units.get(line.sku, 0) + line.quantity
    return units


async def preview(resources: Resources, *, request: OrderRequest) -> tuple[sourcing.Plan, SourcingProfile]:
    """The plan `place_order` would make now; reserves nothing, writes nothing."""
    async with resources.db.read() as conn:
        request = replace(request, delivery=await postal.resolve_delivery(conn, request.delivery))
        known = await catalog.items_by_sku(conn, [line.sku for line in request.lines])
        rules.validate(request, set(known))
        inputs = await routing.gather(conn, resources, routing.ask_for(request), utc_now())
    return routing.run(inputs), inputs.profile


async def cancel_order(resources: Resources, *, order_id: str, reason: str) -> None:
    if not reason.strip():
        raise InvalidInput("A cancellation needs a reason", ("reason",))
    uow = resources.uow()
    async with uow:
        await cancel_in(uow, order_id, reason)


async def cancel_in(uow: UnitOfWork, order_id: str, reason: str) -> None:
    """Cancel inside an open unit of work (cancelOrder, a rejected fraud review)."""
    row = await order_store.lock_order(uow.conn, order_id)
    if row is None:
        raise NotFound(f"No order {order_id!r}", ("id",))
    status = OrderStatus(row.status)
    if not rules.can_cancel(status):
        raise InvalidTransition(f"An order in {status.value} cannot be cancelled", ("id",), status=status.value)
    if status is OrderStatus.BACKORDERED:
        await preorder_service.cancel_waiting(uow, order_id)  # its units go back to the pre-order limit
    released: set[str] = set()
    lines = await fulfillment_store.fulfillment_rows(uow.conn, order_id)  # ordered by (location, sku): the lock order
    for line in lines:
        if FulfillmentStatus(line.status) in rules.RELEASABLE:
            why = Why(Cause.CANCEL, order_id)
            await reservation_store.release(uow.conn, line.sku, line.location_id, line.quantity, uow.now, why=why)
            released.add(line.sku)
    current = {line.id: FulfillmentStatus(line.status) for line in lines}
    changes = rules.cancelled(current)
    for fulfillment_id, target in changes.items():
        await fulfillment_store.set_fulfillment_status(uow.conn, fulfillment_id, target, uow.now)
        change = {"fulfillmentId": fulfillment_id, "orderId": order_id, "status": target.value}
        await uow.record("fulfillment.status_changed", change)
    await task_store.cancel_for_order(uow.conn, order_id, uow.now)
    await pick_list_store.refresh_lists(uow.conn, changes, uow.now)
    status = rules.derive_status((current | changes).values())
    if status.value != row.status:
        rules.order_transition(OrderStatus(row.status), status)
    delivery = order_store.delivery_from_json(row.delivery)
    if status is OrderStatus.CANCELLED and delivery.pickup_slot_starts_at and delivery.pickup_location_id:
        await counters.free_slot(uow.conn, delivery.pickup_location_id, delivery.pickup_slot_starts_at)
    await order_store.set_status(uow.conn, order_id, status, uow.now)
    event = OrderEvent(order_id, "order.status_changed", status, uow.now, f"Cancelled: {reason}")
    await order_store.add_event(uow.conn, event)
    await uow.record("order.status_changed", {"orderId": order_id, "status": status.value, "reason": reason})
    announce(uow, event)
    if released:
        uow.emit(AVAILABILITY_TOPIC, {"skus": sorted(released)})
