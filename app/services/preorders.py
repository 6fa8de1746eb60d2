"""Use cases for pre-orders: take one (from placeOrder), release the due ones (the scheduler), report.

Taking a pre-order is one transaction on the SQLAlchemy path, not placeOrder's
one-statement write on PostgreSQL: the order row claims the idempotency key,
then one guarded UPDATE per item claims units of its pre-order limit
(`app.store.preorders.claim_units`); a claim that does not hold rolls the
whole order back. Pre-orders are rare next to ordinary orders, so the extra
round trips cost nothing that matters, and placeOrder's hot statement stays as
it is. Nothing is reserved until the release.

Releasing: the leader's scheduler takes waiting pre-orders whose items are all
released, oldest first, and sources each like placeOrder: the order row is
locked, its WAITING row re-read and moved to RELEASED by a guarded update in
the transaction that reserves its stock (guarded reservations, capacity
claims) and writes its fulfillments, so two replicas, or two runs, release an
order once. An order that cannot be allocated whole stays waiting, and its
events say what it is short of (once per change, not every tick).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from app.resources import Resources
from app.services import checkout, task_log
from app.services import sourcing as routing
from app.services.inventory import AVAILABILITY_TOPIC
from app.services.order_events import announce
from app.services.uow import UnitOfWork, utc_now
from app.store import backorders as backorder_store
from app.store import counters, reservations
from app.store import orders as order_store
from app.store import preorders as store
from app.store.db import is_conflict
from app.store.fulfillments import add_fulfillments
from app.store.placing import OrderStock
from app.store.positions import StockView
from domain import backorders, preorders, sourcing
from domain import order_edits as edits
from domain import orders as rules
from domain import tasks as tasks_rules
from domain.ledger import Cause, Why
from domain.orders import Order, OrderEvent, OrderRequest, OrderStatus
from domain.preorders import ReportRow

RELEASE_BATCH = 200
Units = backorder_store.Units  # (location, sku) -> units


@dataclass(frozen=True, slots=True)
class Taken:
    order: Order
    event: OrderEvent


async def take(
    uow: UnitOfWork, request: OrderRequest, read: OrderStock, order_id: str, payload: dict[str, Any]
) -> Taken | None:
    """Write the pre-order whole, or raise; None when another order holds the idempotency key (a replay)."""
    wanted = preorders.check_request(request, read.preorders)
    on_hold = tasks_rules.should_hold(read.fraud, request.risk_score, request.total)
    status = OrderStatus.BACKORDERED  # waiting for its release, on hold for review or not
    plan = _plan(request, read)
    if not await order_store.claim_idempotency_key(
        uow.conn, order_id, request, uow.now, status=status, on_hold=on_hold, plan=plan
    ):
        return None
    await order_store.save_order_details(uow.conn, order_id=order_id, request=request, groups={}, ids={}, now=uow.now)
    promises = {sku: read.preorders[sku].release_at for sku in wanted}
    await store.add_waiting(uow.conn, order_id, promises, uow.now)
    for sku, units in sorted(wanted.items()):
        if not await store.claim_units(uow.conn, sku, units, uow.now):
            if read.preorders[sku].release_at <= uow.now:  # its sale may have opened since the read
                raise checkout.StockMoved
            raise preorders.limit_reached(read.preorders[sku], units, preorders.line_of(request, sku))
    message = preorders.promised(request, read.preorders) + ("; on hold for fraud review" if on_hold else "")
    event = OrderEvent(order_id, "order.created", status, uow.now, message)
    await order_store.add_event(uow.conn, event)
    await uow.record("order.created", {"order": payload | {"status": status.value}})
    if on_hold:
        await task_log.open_task(uow, tasks_rules.FRAUD_REVIEW, order_id=order_id)
    stored = await order_store.orders_by_id(uow.conn, [order_id])
    return Taken(stored[order_id], event)


def _plan(request: OrderRequest, read: OrderStock) -> dict[str, Any]:
    return {
        "allocations": [],
        "unallocated": [{"sku": x.sku, "quantity": x.quantity} for x in request.lines],
        "explanation": [preorders.promised(request, read.preorders)],
        "candidates": [],
    }


async def release_due(resources: Resources) -> int:
    """The scheduler's job: allocate waiting pre-orders whose items are released, oldest first.
    Returns how many were allocated; the others wait for the next run."""
    async with resources.db.read() as conn:
        due = await store.due(conn, utc_now(), RELEASE_BATCH)
    released = 0
    blocked: set[str] = set()  # SKUs an older waiting order is short of: younger ones wait behind it
    for order_id in due:
        try:
            released += await _release(resources, order_id, blocked)
        except _Moved:
            continue  # stock moved under the guarded reservation: nothing kept, next run tries again
        except Exception as error:
            if not is_conflict(error):  # a PostgreSQL deadlock rolled that one back: the next run tries it
                raise
    await open_sales(resources)
    return released


async def open_sales(resources: Resources) -> list[str]:
    """Released items none of whose pre-orders still waits go on general sale, and their subscribers hear
    it. It reads first, so an idle run takes no write lock."""
    async with resources.db.read() as conn:
        if not await store.sales_to_open(conn, utc_now()):
            return []
    uow = resources.uow()
    async with uow:
        opened = await store.open_sales(uow.conn, uow.now)
        if opened:
            uow.emit(AVAILABILITY_TOPIC, {"skus": opened})
    return opened


class _Moved(Exception):
    """A guarded reservation or capacity claim did not hold: roll the release back."""


async def _release(resources: Resources, order_id: str, blocked: set[str]) -> bool:
    """Allocate one waiting order whole, or leave it waiting. Oldest first, strictly: an order needing a SKU
    an older order of this run could not get waits too (else a younger order could take the units the
    older one is waiting for, e.g. when a sync commits in the middle of a run); its SKUs stay in
    `blocked` unless it is allocated."""
    if not await _worth_a_write(resources, order_id, blocked):
        return False
    uow = resources.uow()
    async with uow:
        row = await order_store.lock_order(uow.conn, order_id)
        claim = await store.waiting(uow.conn, order_id)  # re-read under the lock: released by another run?
        if row is None or claim is None or row.on_hold:
            return False
        order = (await order_store.orders_by_id(uow.conn, [order_id]))[order_id]
        read = await resources.availability.order_stock_in(
            uow.conn, [x.sku for x in order.lines], uow.now, releasing=True
        )
        if read.preorders:  # a release date was moved later meanwhile
            return False
        skus = {x.sku for x in order.lines}
        if skus & blocked:
            blocked.update(skus)
            return False
        blocked.update(skus)  # until it is allocated (a _Moved keeps them blocked for this run)
        promised, held = await _claims(uow, order_id, claim.kind)
        stock = _counted_free(read.view, held)  # the units it holds are free for itself
        inputs = await routing.gather(uow.conn, resources, routing.ask_for(order), uow.now, stock=stock)
        plan = routing.run(inputs)
        if not plan.complete:
            short = ((u.sku, u.quantity) for u in plan.unallocated)
            note = preorders.waiting_note(short, backorder=claim.kind == backorders.BACKORDER)
            if note != claim.note:  # said once per change, not every run
                await store.set_note(uow.conn, order_id, note)
                await order_store.add_event(
                    uow.conn, OrderEvent(order_id, "order.waiting", order.status, uow.now, note)
                )
            return False
        await _allocate(uow, resources, order, plan, inputs=inputs, read=read, kind=claim.kind, claims=(promised, held))
    blocked.difference_update(skus)
    return True


async def _worth_a_write(resources: Resources, order_id: str, blocked: set[str]) -> bool:
    """A look first, on a read (no write lock: SQLite has one for the whole database, and this job runs every
    tick): False when the order would only wait again with nothing new to say, exactly as the locked pass
    would decide (its SKUs then block younger orders); True when the locked pass has work (it decides again)."""
    async with resources.db.read() as conn:
        row = await order_store.order_row(conn, order_id)
        claim = await store.waiting(conn, order_id)
        if row is None or claim is None or row.on_hold:
            return False
        now = utc_now()
        order = (await order_store.orders_by_id(conn, [order_id]))[order_id]
        read = await resources.availability.order_stock_in(conn, [x.sku for x in order.lines], now, releasing=True)
        if read.preorders:
            return False
        skus = {x.sku for x in order.lines}
        if not skus & blocked:
            _, held = await _claims_on(conn, order_id, claim.kind)
            stock = _counted_free(read.view, held)
            inputs = await routing.gather(conn, resources, routing.ask_for(order), now, stock=stock)
            plan = routing.run(inputs)
            if plan.complete:
                return True
            short = ((u.sku, u.quantity) for u in plan.unallocated)
            if preorders.waiting_note(short, backorder=claim.kind == backorders.BACKORDER) != claim.note:
                return True  # news to tell, once
    blocked.update(skus)
    return False


async def _claims(uow: UnitOfWork, order_id: str, kind: str) -> tuple[Units, Units]:
    """A backorder's inbound promises and held stock (a pre-order has neither)."""
    return await _claims_on(uow.conn, order_id, kind)


async def _claims_on(conn: AsyncConnection, order_id: str, kind: str) -> tuple[Units, Units]:
    if kind != backorders.BACKORDER:
        return {}, {}
    return await backorder_store.claims(conn, order_id)


def _counted_free(stock: StockView, held: Units) -> StockView:
    """The stock as this order sees it: the units it holds are not reserved for anyone else."""
    if not held:
        return stock
    found = {
        sku: [replace(p, reserved=max(p.reserved - held.get((p.location_id, sku), 0), 0)) for p in at]
        for sku, at in stock.positions.items()
    }
    return replace(stock, positions=found)


async def _move_stock(
    uow: UnitOfWork,
    order_id: str,
    plan: sourcing.Plan,
    *,
    inputs: routing.Inputs,
    read: OrderStock,
    promised: Units,
    held: Units,
) -> None:
    """Net the held units against the plan's takes per position (like an edit): each position once, in lock
    order (location, sku), its inbound promise and unneeded held units ended (BACKORDER), then the rest
    reserved with the guarded statement (PREORDER); a backorder's rows go."""
    takes = sorted((a.location_id, a.sku, a.quantity) for a in plan.allocations)
    net = {(loc, sku): n for loc, sku, n in edits.moves(held, takes)}
    await checkout.expire_lapsed(uow, [(loc, sku, n) for (loc, sku), n in sorted(net.items()) if n > 0], read.expired)
    for loc, sku in sorted(net.keys() | promised.keys()):
        n, inbound = net.get((loc, sku), 0), promised.get((loc, sku), 0)
        if inbound or n < 0:
            why = Why(Cause.BACKORDER, order_id)
            await backorder_store.end_at(uow.conn, loc, sku, inbound=inbound, reserved=max(-n, 0), now=uow.now, why=why)
        if n > 0 and not await reservations.reserve(
            uow.conn,
            sku=sku,
            location_id=loc,
            quantity=n,
            held=inputs.held.get((loc, sku), 0),
            now=uow.now,
            why=Why(Cause.PREORDER, order_id),
        ):
            raise _Moved
    if promised or held:
        await backorder_store.forget(uow.conn, order_id, held=bool(held))


async def _allocate(
    uow: UnitOfWork,
    resources: Resources,
    order: Order,
    plan: sourcing.Plan,
    *,
    inputs: routing.Inputs,
    read: OrderStock,
    kind: str,
    claims: tuple[Units, Units],
) -> None:
    if not await store.settle(uow.conn, order.id, preorders.RELEASED, uow.now):
        raise _Moved  # cannot happen under the order lock; never allocate twice
    # a backorder's inbound promises end and the units it held count for its plan: the rest is reserved now
    promised, held = claims
    await _move_stock(uow, order.id, plan, inputs=inputs, read=read, promised=promised, held=held)
    takes = sorted((a.location_id, a.sku, a.quantity) for a in plan.allocations)  # lock order: (location, sku)
    groups = rules.fulfillment_lines(takes)
    capacity_claims = checkout.capacity_claims(resources.availability.cache.locations, groups, uow.now)
    for capacity in capacity_claims:
        if not await counters.claim_capacity(uow.conn, capacity, uow.now):
            raise _Moved
    ids = {loc: f"ful_{uuid.uuid4().hex[:20]}" for loc in groups}
    days = {x.location_id: x.day for x in capacity_claims}
    await add_fulfillments(
        uow.conn,
        order_id=order.id,
        method=order.delivery.method,
        groups=groups,
        ids=ids,
        now=uow.now,
        capacity_days=days,
    )
    status = rules.order_transition(order.status, rules.derive_status([rules.FulfillmentStatus.AWAITING_PICK]))
    await order_store.set_status(uow.conn, order.id, status, uow.now)
    await store.save_plan(uow.conn, order.id, routing.plan_to_json(plan, inputs.profile))
    what = "Backorder allocated" if kind == backorders.BACKORDER else "Pre-order released"
    message = f"{what}: allocated to {', '.join(plan.locations())}"
    event = OrderEvent(order.id, "order.status_changed", status, uow.now, message)
    await order_store.add_event(uow.conn, event)
    await uow.record("order.status_changed", {"orderId": order.id, "status": status.value, "reason": "released"})
    announce(uow, event)
    uow.emit(AVAILABILITY_TOPIC, {"skus": sorted({sku for _, sku, _ in takes})})


async def cancel_waiting(uow: UnitOfWork, order_id: str) -> None:
    """A cancelled order that was waiting gives its units back: a pre-order's to the items' limits, a
    backorder's to the inbound they were promised against, and the stock it held."""
    released = await store.cancel_waiting(uow.conn, order_id, uow.now)
    if released:  # a backorder's held stock
        uow.emit(AVAILABILITY_TOPIC, {"skus": sorted(released)})


async def report(resources: Resources, skus: list[str] | None) -> list[ReportRow]:
    async with resources.db.read() as conn:
        return await store.report(conn, skus)
