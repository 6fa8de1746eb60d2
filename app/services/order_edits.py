"""editOrder: change a placed order's lines or delivery, with a reason, in one transaction.

The order row is locked first (edits of one order queue there), then the edit is decided by
`domain.order_edits` from the order's line rows and fulfillments. Units the edit adds are sourced
under the order's profile (channel, market, customer segment, the delivery after the edit), counting
what the edit itself gives back as free; then every position the edit touches is written once, in
(location, sku) order: a guarded reservation for what it takes, a release for what it gives back.
Fulfillments left without units are cancelled (their capacity given back, their pick lists
refreshed), new ones claim daily capacity. Any failure rolls all of it back: the order is as it was.

Applied edits are kept on the order's stored plan (`edits`: key, input fingerprint, who, when),
read with the locked order row itself, so the idempotency check costs no statement of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from app.resources import Resources
from app.services import checkout, postal, vas
from app.services import sourcing as routing
from app.services.inventory import AVAILABILITY_TOPIC
from app.services.order_events import announce
from app.services.orders import check_pickup, new_id
from app.services.uow import UnitOfWork
from app.store import catalog, counters, positions
from app.store import fulfillments as fulfillment_store
from app.store import order_edits as edit_store
from app.store import orders as order_store
from app.store import pick_lists as pick_list_store
from app.store import reservations as reservation_store
from app.store import tasks as task_store
from domain import order_edits as edits
from domain import orders as rules
from domain import sourcing
from domain.errors import NotFound
from domain.ledger import Cause, Why
from domain.orders import Delivery, FulfillmentStatus, OrderEvent, OrderStatus
from domain.profiles import SourcingProfile

EDITED = "order.edited"


@dataclass(frozen=True, slots=True)
class Edited:
    order_id: str
    applied: bool  # False: this key's edit was applied before (a replay changes nothing)


@dataclass(frozen=True, slots=True)
class _Sourced:
    plan: sourcing.Plan | None = None
    profile: SourcingProfile | None = None
    takes: tuple[tuple[str, str, int], ...] = ()  # (location, sku, units) in lock order
    held: dict[tuple[str, str], int] | None = None


async def edit_order(resources: Resources, *, request: edits.EditRequest, who: str) -> Edited:
    if request.delivery is not None:
        request = replace(request, delivery=await postal.resolved(resources.db, request.delivery))
    return await checkout.retried(
        lambda: _edit_once(resources, request, who),
        doing="editing the order",
        kept="nothing changed",
        field=("addLines",),
    )


async def _edit_once(resources: Resources, request: edits.EditRequest, who: str) -> Edited:
    uow = resources.uow()
    async with uow:
        row = await order_store.lock_order(uow.conn, request.order_id)
        if row is None:
            raise NotFound(f"No order {request.order_id!r}", ("orderId",))
        stored = dict(row.plan or {})
        if edits.already_applied(((e["key"], e["fingerprint"]) for e in stored.get("edits", [])), request):
            return Edited(request.order_id, False)
        status = OrderStatus(row.status)
        edits.check_editable(status, request)  # a cancelled order costs no more reads
        lines = await edit_store.line_rows(uow.conn, request.order_id)
        work = await edit_store.work_of(uow.conn, request.order_id)
        added = [x.sku for x in request.add_lines]
        known = set(await catalog.items_by_sku(uow.conn, added)) if added else set()
        before = order_store.delivery_from_json(row.delivery)
        edit = edits.decide(request, status, rows=lines, work=work, delivery=before, known_skus=known)
        if request.delivery is not None:
            check_pickup(resources, edit.delivery)
        sourced = await _source(uow, resources, row, edit, request)
        placement = edits.place(edit, work, sourced.takes)
        await _move_stock(uow, edit, sourced, Why(Cause.EDIT, request.order_id))
        ids = await _write_fulfillments(
            uow, resources, order_id=request.order_id, edit=edit, work=work, placement=placement
        )
        await _services(uow, request.order_id, edit=edit, work=work, placement=placement, new_ids=ids)
        await _move_slot(uow, resources, before, edit.delivery)
        await edit_store.save_lines(uow.conn, request.order_id, edit.written, {int(x.no or 0) for x in lines})
        statuses = {w.id: w.status for w in work} | edit.cancelled | dict.fromkeys(ids, FulfillmentStatus.AWAITING_PICK)
        new_status = rules.derive_status(statuses.values(), on_hold=row.on_hold)
        if new_status is not status:
            rules.order_transition(status, new_status)
        live, now = edits.live_units(work, edit, placement), uow.now
        note = f"Edit ({edit.summary}) by {who}: {request.reason.strip()}"
        plan = _stored_plan(stored, sourced, live, note) | {"edits": _edit_log(stored, request, who, uow)}
        await edit_store.save_order(
            uow.conn, request.order_id, delivery=edit.delivery, total=edit.total, plan=plan, status=new_status, now=now
        )
        await _tell(uow, request, edit, status=new_status, note=note, new_fulfillments=ids, who=who)
    return Edited(request.order_id, True)


async def _source(
    uow: UnitOfWork, resources: Resources, row: Any, edit: edits.Edit, request: edits.EditRequest
) -> _Sourced:
    """Source the units the edit adds under the order's profile; INSUFFICIENT_STOCK when they cannot all be."""
    if not edit.wanted:
        return _Sourced()
    skus = sorted({x.sku for x in edit.wanted})
    stock = _freed(await resources.availability.stock_in(uow.conn, skus, uow.now), edit.release)
    ask = routing.Ask(
        channel=row.channel,
        market=row.market,
        lines=edit.wanted,
        method=edit.delivery.method,
        destination=edit.delivery.geo,
        pickup_location_id=edit.delivery.pickup_location_id,
        segment=row.customer_segment,
    )
    inputs = await routing.gather(uow.conn, resources, ask, uow.now, stock=stock)
    plan = routing.run(inputs)
    if not plan.complete:
        error = checkout.shortfall(inputs, plan)
        raise type(error)(error.message, _field_for(request, plan), **error.data)
    takes = tuple(sorted((a.location_id, a.sku, a.quantity) for a in plan.allocations))
    return _Sourced(plan, inputs.profile, takes, inputs.held)


def _freed(stock: positions.StockView, release: dict[tuple[str, str], int]) -> positions.StockView:
    """Units this edit gives back count as free for its own sourcing (a new pickup store, the same units)."""
    for sku, held in stock.positions.items():
        stock.positions[sku] = [
            replace(p, reserved=max(p.reserved - release.get((p.location_id, sku), 0), 0)) for p in held
        ]
    return stock


def _field_for(request: edits.EditRequest, plan: sourcing.Plan) -> tuple[str, ...]:
    missing = {u.sku for u in plan.unallocated}
    for index, line in enumerate(request.add_lines):
        if line.sku in missing:
            return ("addLines", str(index), "quantity")
    return ("changeQuantities",) if request.change_quantities else ("delivery",)


async def _move_stock(uow: UnitOfWork, edit: edits.Edit, sourced: _Sourced, why: Why) -> None:
    """Each touched position once, in lock order: guarded reservations, releases."""
    changes = edits.moves(edit.release, sourced.takes)
    reserving = [(loc, sku, n) for loc, sku, n in changes if n > 0]
    if reserving:
        await checkout.expire_lapsed(uow, reserving)  # lapsed holds leave `reserved` before the guard reads it
    held = sourced.held or {}
    for loc, sku, n in changes:
        if n < 0:
            await reservation_store.release(uow.conn, sku, loc, -n, uow.now, why=why)
        elif not await reservation_store.reserve(
            uow.conn, sku=sku, location_id=loc, quantity=n, held=held.get((loc, sku), 0), now=uow.now, why=why
        ):
            raise checkout.StockMoved()


async def _write_fulfillments(
    uow: UnitOfWork,
    resources: Resources,
    *,
    order_id: str,
    edit: edits.Edit,
    work: list[edits.Work],
    placement: edits.Placement,
) -> dict[str, str]:
    """Cancel the emptied, change the kept, add the new (claiming capacity); fulfillment id -> location."""
    where = {w.id: w.location_id for w in work}
    for fid in sorted(edit.cancelled, key=lambda x: (where[x], x)):  # capacity counters in location order
        await fulfillment_store.set_fulfillment_status(uow.conn, fid, FulfillmentStatus.CANCELLED, uow.now)
    await edit_store.set_quantities(uow.conn, placement.quantities, {w.id: w.units for w in work})
    listed = [w.id for w in work if w.listed and (w.id in edit.cancelled or w.id in placement.quantities)]
    await pick_list_store.refresh_lists(uow.conn, listed, uow.now)
    if not placement.groups:
        return {}
    ids = {loc: new_id("ful") for loc in placement.groups}
    claims = checkout.capacity_claims(resources.availability.cache.locations, placement.groups, uow.now)
    for claim in claims:
        if not await counters.claim_capacity(uow.conn, claim, uow.now):
            raise checkout.StockMoved(capacity=True)
    await fulfillment_store.add_fulfillments(
        uow.conn,
        order_id=order_id,
        method=edit.delivery.method,
        groups=placement.groups,
        ids=ids,
        now=uow.now,
        capacity_days={c.location_id: c.day for c in claims},
    )
    return {fid: loc for loc, fid in ids.items()}


async def _services(
    uow: UnitOfWork,
    order_id: str,
    *,
    edit: edits.Edit,
    work: list[edits.Work],
    placement: edits.Placement,
    new_ids: dict[str, str],
) -> None:
    """Units the edit adds get their VAS tasks where they land (a new fulfillment or the one they join);
    the live tasks of fulfillments the edit cancelled go with them. No statement when neither applies."""
    await task_store.cancel_for_subjects(uow.conn, sorted(edit.cancelled), uow.now)
    await vas.open_tasks(uow, order_id, edit.lines, placement.groups, {loc: fid for fid, loc in new_ids.items()})
    where = {w.id: w.location_id for w in work}
    for fid, added in sorted(placement.joined.items()):
        await vas.open_tasks(uow, order_id, edit.lines, {where[fid]: added}, {where[fid]: fid})


async def _move_slot(uow: UnitOfWork, resources: Resources, before: Delivery, after: Delivery) -> None:
    """A delivery that names another pickup slot books it (guarded) and frees the old one."""
    old = (before.pickup_location_id, before.pickup_slot_starts_at)
    new = (after.pickup_location_id, after.pickup_slot_starts_at)
    if old == new:
        return
    slot = await checkout.slot_booking(uow.conn, resources, after, uow.now)
    if slot is not None and not await counters.book_slot(
        uow.conn, slot.location_id, slot.starts_at, slot.capacity, uow.now
    ):
        raise checkout.slot_full()
    if old[0] is not None and old[1] is not None:
        await counters.free_slot(uow.conn, old[0], old[1])


def _stored_plan(
    stored: dict[str, Any], sourced: _Sourced, live: list[tuple[str, str, int]], note: str
) -> dict[str, Any]:
    merged = edits.merged_plan(routing.plan_from_json(stored), sourced.plan, live, note)
    return routing.plan_to_json(merged, sourced.profile, weights=routing.weights_from_json(stored))


def _edit_log(stored: dict[str, Any], request: edits.EditRequest, who: str, uow: UnitOfWork) -> list[dict[str, Any]]:
    entry = {"key": request.idempotency_key, "fingerprint": request.fingerprint(), "by": who}
    return [*stored.get("edits", []), entry | {"at": uow.now.isoformat()}]


async def _tell(
    uow: UnitOfWork,
    request: edits.EditRequest,
    edit: edits.Edit,
    *,
    status: OrderStatus,
    note: str,
    new_fulfillments: dict[str, str],
    who: str,
) -> None:
    """The order's event, the outbox (`order.edited`, each cancelled fulfillment), the subscription, availability."""
    order_id = request.order_id
    for fid in sorted(edit.cancelled):
        change = {"fulfillmentId": fid, "orderId": order_id, "status": FulfillmentStatus.CANCELLED.value}
        await uow.record("fulfillment.status_changed", change)
    event = OrderEvent(order_id, EDITED, status, uow.now, note)
    await order_store.add_event(uow.conn, event)
    payload = {
        "orderId": order_id,
        "status": status.value,
        "reason": request.reason.strip(),
        "by": who,
        "idempotencyKey": request.idempotency_key,
        "summary": edit.summary,
        "total": edit.total,
        "lines": [
            {"id": edits.line_id(order_id, int(x.no or 0)), "sku": x.sku, "quantity": x.quantity}
            for x in edit.lines
            if x.quantity > 0
        ],
        "cancelledFulfillmentIds": sorted(edit.cancelled),
        "newFulfillmentIds": sorted(new_fulfillments),
    }
    await uow.record("order.edited", payload)
    announce(uow, event)
    skus = {sku for _, sku in edit.release} | {x.sku for x in edit.wanted}
    if skus:
        uow.emit(AVAILABILITY_TOPIC, {"skus": sorted(skus)})
