"""Use cases for manual processes: fraud policy, task policies, claiming, completing, escalating."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from app.resources import Resources
from app.services import closing, order_events, shorts
from app.services import orders as order_service
from app.services.inventory import AVAILABILITY_TOPIC
from app.services.task_log import announce
from app.services.uow import UnitOfWork, utc_now
from app.store import fulfillments as fulfillment_store
from app.store import orders as order_store
from app.store import positions
from app.store import returns as return_store
from app.store import tasks as store
from domain import orders as order_rules
from domain import tasks as rules
from domain.access import Role
from domain.errors import InvalidTransition, NotFound
from domain.ledger import Cause, Why
from domain.orders import FulfillmentStatus, OrderEvent, OrderStatus, ReturnStatus
from domain.tasks import FraudPolicy, Task, TaskPolicy, TaskStatus

ESCALATION_BATCH = 100


async def set_fraud_policy(resources: Resources, *, policy: FraudPolicy) -> FraudPolicy:
    rules.validate_fraud_policy(policy)
    uow = resources.uow()
    async with uow:
        await store.save_fraud_policy(uow.conn, policy)
    return policy


async def upsert_policy(resources: Resources, *, policy: TaskPolicy) -> TaskPolicy:
    rules.validate_policy(policy)
    uow = resources.uow()
    async with uow:
        await store.save_policy(uow.conn, policy)
    return policy


async def claim(resources: Resources, *, task_id: str, who: str) -> Task:
    uow = resources.uow()
    async with uow:
        task = await store.get(uow.conn, task_id)
        if task is None:
            raise NotFound(f"No task {task_id!r}", ("id",))
        rules.transition(task_id, task.status, TaskStatus.CLAIMED)
        if not await store.claim(uow.conn, task_id, who, uow.now):  # claimed meanwhile
            raise InvalidTransition(f"Task {task_id} is {task.status.value}: only an OPEN task can be claimed", ("id",))
        claimed = await store.get(uow.conn, task_id)
        assert claimed is not None
        await announce(uow, claimed, "task.claimed")
    return claimed


async def complete(resources: Resources, *, task_id: str, outcome: str, note: str | None, role: Role) -> Task:
    uow = resources.uow()
    async with uow:
        task = await store.get(uow.conn, task_id)
        if task is None:
            raise NotFound(f"No task {task_id!r}", ("id",))
        rules.check_completer(task, role=role)
        rules.check_outcome(task, outcome)
        await _finish(uow, resources, task, outcome, note)
        done = await store.get(uow.conn, task_id)
        assert done is not None
    return done


async def _finish(uow: UnitOfWork, resources: Resources, task: Task, outcome: str, note: str | None) -> None:
    order = None
    if task.order_id:  # lock order: the order row before the task, as cancelling does
        order = await order_store.lock_order(uow.conn, task.order_id)
    rules.transition(task.id, task.status, TaskStatus.DONE)
    if not await store.complete(uow.conn, task.id, outcome, note, uow.now):
        raise InvalidTransition(f"Task {task.id} was completed meanwhile", ("id",))
    if task.type == rules.FRAUD_REVIEW and task.order_id:
        current = OrderStatus(order.status) if order is not None else None
        await _fraud_outcome(uow, task.order_id, current, outcome)
    if task.type == rules.RETURN_QC and task.subject_id:
        await _return_outcome(uow, task, outcome)
    if task.type == rules.PICK_EXCEPTION and task.subject_id:
        await shorts.resolve(uow, resources, task, outcome)
    if task.type == rules.STORE_CLOSED and task.subject_id:
        await closing.resolve(uow, resources, task, outcome)
    done = Task(
        task.id,
        task.type,
        TaskStatus.DONE,
        task.assignee_role,
        task.escalation_level,
        task.created_at,
        task.due_at,
        task.order_id,
        task.location_id,
        outcome,
        note,
    )
    await announce(uow, done, "task.completed")


async def _fraud_outcome(uow: UnitOfWork, order_id: str, current: OrderStatus | None, outcome: str) -> None:
    if outcome == "REJECT":
        await order_service.cancel_in(uow, order_id, "fraud review rejected the order")
        return
    lines = await fulfillment_store.fulfillment_rows(uow.conn, order_id)
    statuses = {line.id: FulfillmentStatus(line.status) for line in lines}.values()
    status = order_rules.derive_status(statuses, waiting=current is OrderStatus.BACKORDERED)  # a pre-order waits
    if current is not None and status is not current:
        order_rules.order_transition(current, status)
    await order_store.set_status(uow.conn, order_id, status, uow.now, on_hold=False)
    event = OrderEvent(order_id, "order.status_changed", status, uow.now, "Fraud review approved")
    await order_store.add_event(uow.conn, event)
    await uow.record("order.status_changed", {"orderId": order_id, "status": status.value})
    order_events.announce(uow, event)


async def _return_outcome(uow: UnitOfWork, task: Task, outcome: str) -> None:
    """RESTOCK puts the units back on hand where they were received; ATP and subscribers follow."""
    assert task.subject_id is not None
    row = await return_store.get_return(uow.conn, task.subject_id)
    if row is None:
        return
    if outcome == "RESTOCK" and task.location_id:
        lines = sorted((line["sku"], int(line["quantity"])) for line in row.lines)
        for sku, quantity in lines:
            why = Why(Cause.RETURN, task.subject_id)
            await positions.restock(uow.conn, sku, task.location_id, quantity, uow.now, why=why)
        skus = [sku for sku, _ in lines]
        uow.emit(AVAILABILITY_TOPIC, {"skus": skus})
        await uow.record("inventory.changed", {"source": "return", "locationId": task.location_id, "skus": skus})
    await return_store.set_return_status(uow.conn, task.subject_id, ReturnStatus.CLOSED)


async def _anything_due(resources: Resources, now: datetime) -> bool:
    """Is a task overdue, or due for its automatic outcome? (A read: the write transaction follows only then.)"""
    async with resources.db.read() as conn:
        if await store.overdue(conn, now, 1):
            return True
        policies = await store.policies(conn)
        live = await store.live(conn, ESCALATION_BATCH * 10)
    return any(policies[t.type].auto_outcome and rules.due_for_auto_outcome(t, policies[t.type], now) for t in live)


async def escalate_due(resources: Resources, now: datetime | None = None) -> int:
    """Escalate overdue tasks and apply automatic outcomes; safe with several replicas."""
    now = now or utc_now()
    if not await _anything_due(resources, now):  # an idle tick takes no write lock (SQLite: one writer)
        return 0
    changed = 0
    uow = resources.uow()
    async with uow:
        policies = await store.policies(uow.conn)
        for task in await store.live(uow.conn, ESCALATION_BATCH * 10):
            policy = policies[task.type]
            if rules.due_for_auto_outcome(task, policy, now) and policy.auto_outcome:
                await _finish(
                    uow,
                    resources,
                    task,
                    policy.auto_outcome,
                    f"automatic after {policy.auto_outcome_after_minutes} min",
                )
                changed += 1
        for task in await store.overdue(uow.conn, now, ESCALATION_BATCH):
            policy = policies[task.type]
            level = policy.next_level(task.escalation_level)
            if level is None:  # the top of the ladder: it stays with the last role, and says so once
                if await store.stop_escalating(uow.conn, task, now):
                    at_top = replace(task, due_at=None)
                    await announce(uow, at_top, "task.escalation_exhausted")
                    changed += 1
                continue
            role = policy.role_at(level)
            if await store.escalate(uow.conn, task, role, rules.due_at(policy, now), now):
                escalated = Task(
                    task.id,
                    task.type,
                    task.status,
                    role,
                    task.escalation_level + 1,
                    task.created_at,
                    rules.due_at(policy, now),
                    task.order_id,
                    task.location_id,
                )
                await announce(uow, escalated, "task.escalated")
                changed += 1
    return changed


async def list_tasks(
    resources: Resources,
    *,
    status: str | None,
    task_type: str | None,
    location_ids: frozenset[str] | None,
    order_id: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Task]:
    """Newest first; `location_ids` None means every location (and tasks of none), a set only those."""
    if location_ids is not None and not location_ids:
        return []
    async with resources.db.read() as conn:
        return await store.page(
            conn,
            status=status,
            task_type=task_type,
            location_ids=location_ids,
            order_id=order_id,
            after=after,
            limit=limit,
        )


async def get_task(resources: Resources, *, task_id: str) -> Task | None:
    async with resources.db.read() as conn:
        return await store.get(conn, task_id)
