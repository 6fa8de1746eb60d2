"""Use cases for in-store picking: pick processes, generating pick lists, confirming picks.

One transaction per command. A confirmation is applied whole or refused whole
(a wrong barcode on line 3 leaves lines 1 and 2 untouched). Short picks are
handled in the same transaction: the units leave this location's reservation
(and its on-hand when the reason says the books were wrong), and the
process's policy either re-sources them at once or raises a PICK_EXCEPTION.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from app.resources import Resources
from app.services import fulfillment_log, shorts
from app.services.orders import new_id
from app.services.uow import UnitOfWork
from app.store import catalog, versions
from app.store import fulfillments as fulfillment_store
from app.store import orders as order_store
from app.store import pick_lists as pick_list_store
from app.store import pick_processes as pick_process_store
from app.store import pick_stats as pick_stats_store
from app.store import tasks as task_store
from domain import pick_lists, picking
from domain.errors import InvalidTransition, NotFound
from domain.orders import FulfillmentStatus
from domain.picking import Confirmation, LineChange, PickList, PickProcess
from domain.tasks import VAS

PICKING_TOPIC = "picking"
MAX_LISTS = 200  # lists returned by one read


async def upsert_process(resources: Resources, *, process: PickProcess) -> PickProcess:
    picking.validate_process(process)
    uow = resources.uow()
    async with uow:
        await pick_process_store.save_process(uow.conn, process, uow.now)
    return process


async def generate_lists(resources: Resources, *, location_id: str) -> list[str]:
    """Lists for everything waiting at the location; a fulfillment already on a list is never listed again."""
    uow = resources.uow()
    async with uow:
        location = await pick_process_store.lock_location(uow.conn, location_id)
        if location is None:
            raise NotFound(f"No location {location_id!r}", ("locationId",))
        process = await pick_process_store.process_for(uow.conn, location.pick_process_id)
        planned = picking.plan_lists(process, await pick_list_store.waiting_work(uow.conn, location_id))
        created = []
        for plan in planned:
            list_id = new_id("pkl")
            line_ids = [new_id("pkn") for _ in plan.lines]
            await pick_list_store.create_list(
                uow.conn,
                list_id=list_id,
                location_id=location_id,
                process=process,
                planned=plan,
                line_ids=line_ids,
                now=uow.now,
            )
            await uow.record(
                "pick_list.created",
                {"pickListId": list_id, "locationId": location_id, "fulfillmentIds": plan.fulfillment_ids},
            )
            created.append(list_id)
        if created:
            uow.emit(PICKING_TOPIC, {"type": "pick_list.created", "locationId": location_id, "pickListIds": created})
    return created


async def confirm_pick(resources: Resources, *, list_id: str, confirmations: Sequence[Confirmation], who: str) -> str:
    uow = resources.uow()
    async with uow:
        found = await pick_list_store.lock_list(uow.conn, list_id)
        if found is None:
            raise NotFound(f"No pick list {list_id!r}", ("pickListId",))
        pick_lists.check_open(list_id, picking.PickListStatus(found.status))
        process = replace(
            await pick_process_store.process_for(uow.conn, found.process_id), scan_to_pick=found.scan_to_pick
        )
        skus = {line.sku for line in found.lines}
        barcodes = {sku: frozenset(item.barcodes) for sku, item in (await catalog.items_by_sku(uow.conn, skus)).items()}
        changes = picking.confirm(process, [line.state for line in found.lines], confirmations, barcodes)
        touched = list(dict.fromkeys(change.after.fulfillment_id for change in changes))
        order_of = {line.fulfillment_id: line.order_id for line in found.lines}
        for order_id in sorted({order_of[f] for f in touched}):  # lock order: orders, then fulfillments
            await order_store.lock_order(uow.conn, order_id)
        for fulfillment_id in touched:
            await _start(uow, fulfillment_id)
        for change in changes:
            await pick_list_store.save_line(uow.conn, change.after)
        await _count_accuracy(uow, found.location_id, changes)
        for fulfillment_id in touched:
            mine = [c for c in changes if c.after.fulfillment_id == fulfillment_id and c.short]
            if mine:
                await shorts.declare(
                    uow,
                    resources,
                    process=process,
                    location_id=found.location_id,
                    fulfillment_id=fulfillment_id,
                    changes=mine,
                )
            await _finish_if_picked(uow, fulfillment_id, who)
        await pick_list_store.refresh_lists(uow.conn, touched, uow.now)
        uow.emit(
            PICKING_TOPIC, {"type": "pick_list.updated", "locationId": found.location_id, "pickListIds": [list_id]}
        )
    return list_id


async def _start(uow: UnitOfWork, fulfillment_id: str) -> None:
    row = await fulfillment_store.lock_fulfillment(uow.conn, fulfillment_id)
    assert row is not None  # pick lines reference fulfillments
    if row.status is FulfillmentStatus.CANCELLED:
        raise InvalidTransition(
            f"Fulfillment {fulfillment_id} was cancelled: put its items back", ("lines",), fulfillmentId=fulfillment_id
        )
    if row.status is FulfillmentStatus.AWAITING_PICK:
        await fulfillment_log.advance(uow, row, FulfillmentStatus.PICKING, f"Picking started at {row.location_id}")


async def _count_accuracy(uow: UnitOfWork, location_id: str, changes: Sequence[LineChange]) -> None:
    """Lines resolved by this confirmation: in full, or short (the location's pick accuracy)."""
    resolved = [c.after for c in changes if c.after.resolved and not c.before.resolved]
    if resolved:
        short = sum(1 for line in resolved if line.short)
        await record(uow, location_id, picked=len(resolved) - short, short=short)


async def _finish_if_picked(uow: UnitOfWork, fulfillment_id: str, who: str) -> None:
    """Every line resolved: PICKED, with PICK done in its steps (CANCELLED if every unit went elsewhere)."""
    lines = await pick_list_store.lines_of_fulfillment(uow.conn, fulfillment_id)
    if not all(line.state.resolved for line in lines):
        return
    row = await fulfillment_store.lock_fulfillment(uow.conn, fulfillment_id)
    assert row is not None
    if row.status is not FulfillmentStatus.PICKING:
        return
    quantities = await fulfillment_store.fulfillment_quantities(uow.conn, fulfillment_id)
    services = picking.VAS in row.progress.steps and await task_store.any_for_subject(uow.conn, fulfillment_id, VAS)
    target, progress = picking.after_pick(row.progress, quantities, services=services, by=who, at=uow.now)
    picked = target is FulfillmentStatus.PICKED
    if picked:
        await fulfillment_store.save_progress(uow.conn, fulfillment_id, progress, uow.now)
    message = f"Picked at {row.location_id}" if picked else f"Nothing left to fulfil at {row.location_id}"
    await fulfillment_log.advance(uow, row, target, message)


async def record(uow: UnitOfWork, location_id: str, **counts: int) -> None:
    """Add to the location's record; when its performance moves, every replica reloads it for sourcing."""
    before, after = await pick_stats_store.add_to_record(uow.conn, location_id, uow.now, **counts)
    if before.performance != after.performance:
        await versions.bump(uow.conn, versions.LOCATIONS)


async def lists_at(resources: Resources, *, location_id: str, status: str | None) -> list[PickList]:
    async with resources.db.read() as conn:
        return await pick_list_store.lists_at(conn, location_id, status, MAX_LISTS)


async def lists_by_id(resources: Resources, ids: Sequence[str]) -> list[PickList]:
    async with resources.db.read() as conn:
        found = await pick_list_store.lists_by_id(conn, ids)
    return [found[i] for i in ids if i in found]


async def fulfillment_page(
    resources: Resources,
    *,
    location_id: str,
    statuses: Sequence[str] | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[tuple[str, str, datetime]]:
    async with resources.db.read() as conn:
        return await fulfillment_store.fulfillment_page(
            conn, location_id=location_id, statuses=statuses, after=after, limit=limit
        )
