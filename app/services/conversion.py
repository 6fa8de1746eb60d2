"""Use case: placeOrder with a checkout hold: the hold becomes the order, without re-sourcing.

The hold already reserved the units, claimed the capacity and booked the
slot; the order takes them over in one transaction (same allocations, same
plan, same slot), and the hold becomes CONVERTED. Nothing is reserved twice
and nothing is freed in between. The order's idempotency key replays the
order; a hold that ended is INVALID_TRANSITION, one past its time HOLD_EXPIRED.
"""

from __future__ import annotations

from dataclasses import replace

from app.resources import Resources
from app.services import postal, task_log, vas
from app.services.order_events import announce
from app.services.orders import Placed, check_pickup, new_id, order_payload, replay, units_of
from app.services.uow import new_event_id
from app.store import holds as hold_store
from app.store import orders as order_store
from app.store import placing
from domain import holds as hold_rules
from domain import orders as rules
from domain import tasks as tasks_rules
from domain.access import Principal
from domain.errors import NotFound
from domain.holds import HoldStatus
from domain.orders import FulfillmentStatus, OrderEvent, OrderRequest

HOLD_FIELD = ("checkoutHoldId",)


async def place_from_hold(resources: Resources, *, request: OrderRequest, caller: Principal) -> Placed:
    hold_id = request.checkout_hold_id or ""
    request = replace(request, delivery=await postal.resolved(resources.db, request.delivery))
    uow = resources.uow()
    async with uow:
        read = await resources.availability.order_stock_in(uow.conn, [x.sku for x in request.lines], uow.now)
        rules.validate(request, read.known)
        check_pickup(resources, request.delivery)
        hold = await hold_store.get(uow.conn, hold_id, lock=True)
        if hold is None:
            raise NotFound(f"No checkout hold {hold_id!r}", HOLD_FIELD)
        hold_rules.may_use(hold, caller.subject, caller.is_staff, HOLD_FIELD)
        if hold.status is HoldStatus.CONVERTED and await order_store.by_idempotency_key(
            uow.conn, request.idempotency_key
        ):
            return await replay(uow, request)  # the same key again: the order it made
        hold_rules.check_live(hold, uow.now, HOLD_FIELD)
        hold_rules.check_matches(hold, request)
        order_id = new_id("ord")
        takes = sorted(hold.allocations)
        groups = rules.fulfillment_lines(takes)
        ids = {loc: new_id("ful") for loc in groups}
        on_hold = tasks_rules.should_hold(read.fraud, request.risk_score, request.total)
        status = rules.derive_status([FulfillmentStatus.AWAITING_PICK] * len(groups), on_hold=on_hold)
        where = ", ".join(groups)
        message = f"Allocated to {where} from checkout hold {hold.id}" + (
            "; on hold for fraud review" if on_hold else ""
        )
        event = OrderEvent(order_id, "order.created", status, uow.now, message)
        payload = order_payload(order_id, request, groups, ids, uow.now) | {"status": status.value}
        new = placing.NewOrder(
            order_id,
            request,
            status,
            on_hold,
            hold.plan,
            groups,
            ids,
            event,
            new_event_id(),
            "order.created",
            {"order": payload | {"checkoutHoldId": hold.id}},
            uow.now,
            (),  # the hold's reservations become the order's
            (),  # and so do its capacity claims
            {loc: day for loc, day in hold.capacity_days.items() if loc in groups},
            None,  # and its slot
        )
        written = await placing.write_order(uow.conn, new, more_writes=True)
        if written is placing.Written.KEY_TAKEN:
            return await replay(uow, request)
        await hold_store.end(
            uow.conn, hold.id, hold_rules.transition(hold.status, HoldStatus.CONVERTED), uow.now, order_id
        )
        uow.mark_recorded()
        if on_hold:
            await task_log.open_task(uow, tasks_rules.FRAUD_REVIEW, order_id=order_id)
        await vas.open_tasks(uow, order_id, request.lines, groups, ids)
        announce(uow, event)
        order = request.placed(order_id, status, uow.now, hold.plan)
    resources.sales.add(units_of(request))
    return Placed(order_id, True, order)
