"""Use case: take a backorder (from placeOrder with `allowBackorder`). Allocating it is the pre-order
release's job (`app.services.preorders.release_due`): a waiting order is a waiting order.

Taking one is one transaction: the order row claims the idempotency key, then
one guarded UPDATE per short SKU claims its units against a position's inbound
(`app.store.backorders.claim_inbound`, earliest ETA first); a SKU no inbound
can cover refuses the whole order as without `allowBackorder`
(INSUFFICIENT_STOCK), and nothing is kept. The units the plan could allocate
from stock are reserved at once with placeOrder's guarded reservation (in
(location, sku) lock order; a reservation that does not hold rolls it all back
and placeOrder retries from a fresh read) and remembered as the order's held
reservations: no fulfillment is written, the order waits BACKORDERED, and
nobody else can sell those units meanwhile. The leader's release job
allocates waiting orders oldest first when stock arrives (a sync wakes it),
under the order's row lock and the WAITING -> RELEASED guard, so each is
allocated once, counting its held units as its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.services import checkout, task_log
from app.services import sourcing as routing
from app.services.inventory import AVAILABILITY_TOPIC
from app.services.preorders import Taken
from app.services.uow import UnitOfWork
from app.store import backorders as store
from app.store import orders as order_store
from app.store import preorders as waiting_store
from app.store import reservations
from app.store.placing import OrderStock
from domain import backorders, sourcing
from domain import tasks as tasks_rules
from domain.ledger import Cause, Why
from domain.locations import Location
from domain.orders import OrderEvent, OrderRequest, OrderStatus


async def take(
    uow: UnitOfWork,
    request: OrderRequest,
    read: OrderStock,
    plan: sourcing.Plan,
    inputs: routing.Inputs,
    *,
    order_id: str,
    payload: dict[str, Any],
    locations: Mapping[str, Location],
) -> Taken | None:
    """Write the backorder whole, or raise; None when another order holds the idempotency key (a replay)."""
    backorders.check_request(request.delivery.pickup_slot_starts_at)
    short = backorders.short_units((u.sku, u.quantity) for u in plan.unallocated)
    on_hold = tasks_rules.should_hold(read.fraud, request.risk_score, request.total)
    status = OrderStatus.BACKORDERED  # waiting for stock, on hold for review or not
    held = backorders.held_units((a.location_id, a.sku, a.quantity) for a in plan.allocations)
    stored_plan = routing.plan_to_json(plan, inputs.profile)  # allocations: the held units; unallocated: waiting
    if not await order_store.claim_idempotency_key(
        uow.conn, order_id, request, uow.now, status=status, on_hold=on_hold, plan=stored_plan
    ):
        return None
    promises: list[backorders.Promise] = []
    where = backorders.eligible_locations(locations, request)
    for sku, units in sorted(short.items()):
        promise = await _claim(uow, read, sku, units, where, order_id=order_id)
        if promise is None:
            raise backorders.no_inbound(sku, units)  # the whole transaction rolls back, key and claims
        promises.append(promise)
    await _hold(uow, read, held, inputs.held, order_id=order_id)
    message = backorders.promised(promises, held)
    stored_plan["explanation"] = [message, *plan.explanation]
    await waiting_store.save_plan(uow.conn, order_id, stored_plan)
    await order_store.save_order_details(uow.conn, order_id=order_id, request=request, groups={}, ids={}, now=uow.now)
    await waiting_store.add_waiting(uow.conn, order_id, {}, uow.now, kind=backorders.BACKORDER)
    await store.add_promises(uow.conn, order_id, promises, backorders.line_backorders(request.lines, promises))
    await store.add_holds(uow.conn, order_id, held)
    message += "; on hold for fraud review" if on_hold else ""
    event = OrderEvent(order_id, "order.created", status, uow.now, message)
    await order_store.add_event(uow.conn, event)
    await uow.record("order.created", {"order": payload | {"status": status.value}})
    if on_hold:
        await task_log.open_task(uow, tasks_rules.FRAUD_REVIEW, order_id=order_id)
    if held:
        uow.emit(AVAILABILITY_TOPIC, {"skus": sorted({sku for _, sku in held})})
    stored = await order_store.orders_by_id(uow.conn, [order_id])
    return Taken(stored[order_id], event)


async def _claim(
    uow: UnitOfWork, read: OrderStock, sku: str, units: int, where: set[str], *, order_id: str
) -> backorders.Promise | None:
    """The first eligible position (earliest ETA) whose unpromised inbound covers the units; None if none does."""
    for position in backorders.inbound_candidates(read.view.positions.get(sku, []), units, where):
        why = Why(Cause.BACKORDER, order_id)
        if await store.claim_inbound(uow.conn, position.location_id, sku, units, uow.now, why=why):
            return backorders.Promise(position.location_id, sku, units, position.inbound_eta)
    return None


async def _hold(
    uow: UnitOfWork,
    read: OrderStock,
    held: dict[tuple[str, str], int],
    held_back: dict[tuple[str, str], int],
    *,
    order_id: str,
) -> None:
    """Reserve the units stock can give the order now (guarded, in lock order), or roll back and retry."""
    takes = [(loc, sku, n) for (loc, sku), n in sorted(held.items())]
    await checkout.expire_lapsed(uow, takes, read.expired)
    why = Why(Cause.BACKORDER, order_id)
    for loc, sku, n in takes:
        if not await reservations.reserve(
            uow.conn, sku=sku, location_id=loc, quantity=n, held=held_back.get((loc, sku), 0), now=uow.now, why=why
        ):
            raise checkout.StockMoved()
