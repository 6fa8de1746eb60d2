"""Use cases for returns: a customer's return of delivered units, and the goods arriving at a location."""

from __future__ import annotations

from app.resources import Resources
from app.services import task_log
from app.services.order_events import announce
from app.services.orders import new_id
from app.store import catalog
from app.store import fulfillments as fulfillment_store
from app.store import orders as order_store
from app.store import returns as return_store
from domain import orders as rules
from domain import tasks as tasks_rules
from domain.errors import InvalidInput, InvalidTransition, NotFound
from domain.orders import OrderEvent, OrderStatus, ReturnRequest, ReturnStatus


async def request_return(resources: Resources, *, request: ReturnRequest) -> str:
    """Record a return of delivered units; quality checks on receipt come with the manual-process tasks."""
    uow = resources.uow()
    async with uow:
        row = await order_store.lock_order(uow.conn, request.order_id)
        if row is None:
            raise NotFound(f"No order {request.order_id!r}", ("orderId",))
        if request.location_id and not await catalog.existing_location_ids(uow.conn, [request.location_id]):
            raise InvalidInput(f"Unknown location {request.location_id!r}", ("locationId",))
        delivered = await fulfillment_store.delivered_units(uow.conn, request.order_id)
        returned = await return_store.returned_units(uow.conn, request.order_id)
        rules.check_returnable(request, delivered, returned)
        return_id = new_id("ret")
        await return_store.save_return(uow.conn, return_id, request, uow.now)
        summary = ", ".join(f"{x.sku} x{x.quantity}" for x in request.lines)
        event = OrderEvent(
            request.order_id, "return.requested", OrderStatus(row.status), uow.now, f"Return {return_id}: {summary}"
        )
        await order_store.add_event(uow.conn, event)
        lines_out = [{"sku": x.sku, "quantity": x.quantity} for x in request.lines]
        await uow.record(
            "return.requested",
            {"returnId": return_id, "orderId": request.order_id, "lines": lines_out, "reason": request.reason},
        )
        announce(uow, event)
    return return_id


async def receive_return(resources: Resources, *, return_id: str, location_id: str) -> str:
    """Returned goods arrived at a location: a RETURN_QC task decides restock, refurbish or damaged."""
    uow = resources.uow()
    async with uow:
        row = await return_store.get_return(uow.conn, return_id)
        if row is None:
            raise NotFound(f"No return {return_id!r}", ("id",))
        if row.status != ReturnStatus.REQUESTED.value:
            raise InvalidTransition(f"Return {return_id} is {row.status}; only a REQUESTED return is received", ("id",))
        if not await catalog.existing_location_ids(uow.conn, [location_id]):
            raise InvalidInput(f"Unknown location {location_id!r}", ("locationId",))
        await return_store.set_return_status(uow.conn, return_id, ReturnStatus.RECEIVED, location_id)
        await uow.record("return.received", {"returnId": return_id, "orderId": row.order_id, "locationId": location_id})
        task = await task_log.open_task(
            uow, tasks_rules.RETURN_QC, order_id=row.order_id, location_id=location_id, subject_id=return_id
        )
    return task.id
