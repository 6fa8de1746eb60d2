"""Opening tasks and telling the world about task changes (outbox for webhooks, pub/sub for taskEvents)."""

from __future__ import annotations

import uuid

from app.services.uow import UnitOfWork
from app.store import tasks as store
from domain import tasks as rules
from domain.tasks import Task, TaskStatus

TASKS_TOPIC = "tasks"


def message(task: Task, event_type: str) -> dict[str, object]:
    return {
        "taskId": task.id,
        "type": event_type,
        "taskType": task.type,
        "status": task.status.value,
        "orderId": task.order_id,
        "locationId": task.location_id,
        "assigneeRole": task.assignee_role,
        "escalationLevel": task.escalation_level,
    }


async def announce(uow: UnitOfWork, task: Task, event_type: str) -> None:
    """Outbox (webhooks) and pub/sub (taskEvents) for a task change, in the change's transaction."""
    payload = message(task, event_type)
    await uow.record(event_type, payload)
    uow.emit(TASKS_TOPIC, payload)


async def open_task(
    uow: UnitOfWork,
    task_type: str,
    *,
    order_id: str | None = None,
    location_id: str | None = None,
    subject_id: str | None = None,
    note: str | None = None,
) -> Task:
    policy = (await store.policies(uow.conn))[task_type]
    task = Task(
        f"tsk_{uuid.uuid4().hex[:20]}",
        task_type,
        TaskStatus.OPEN,
        policy.role_at(0),
        0,
        uow.now,
        rules.due_at(policy, uow.now),
        order_id,
        location_id,
        note=note,
        subject_id=subject_id,
    )
    await store.add(uow.conn, task, uow.now)
    await announce(uow, task, "task.created")
    return task
