"""Queries for tasks, task policies and the fraud policy; claims and escalations are guarded updates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.sql import upsert
from app.store.tables.rules import fraud_policy
from app.store.tables.tasks import task_policies, tasks
from domain.tasks import DEFAULT_POLICIES, LIVE, FraudPolicy, Task, TaskPolicy, TaskStatus

_LIVE = [s.value for s in LIVE]


def _task(row: Any) -> Task:
    return Task(
        row.id,
        row.type,
        TaskStatus(row.status),
        row.assignee_role,
        row.escalation_level,
        row.created_at,
        row.due_at,
        row.order_id,
        row.location_id,
        row.outcome,
        row.note,
        row.subject_id,
    )


async def add(conn: AsyncConnection, task: Task, now: datetime) -> None:
    await conn.execute(
        tasks.insert().values(
            id=task.id,
            type=task.type,
            status=task.status.value,
            order_id=task.order_id,
            location_id=task.location_id,
            subject_id=task.subject_id,
            assignee_role=task.assignee_role,
            escalation_level=task.escalation_level,
            due_at=task.due_at,
            note=task.note,
            created_at=now,
            updated_at=now,
        )
    )


async def get(conn: AsyncConnection, task_id: str) -> Task | None:
    row = (await conn.execute(select(tasks).where(tasks.c.id == task_id))).first()
    return _task(row) if row else None


async def claim(conn: AsyncConnection, task_id: str, who: str, now: datetime) -> bool:
    """Exclusive: only an OPEN task can be claimed, by one caller."""
    stmt = (
        update(tasks)
        .where(tasks.c.id == task_id, tasks.c.status == TaskStatus.OPEN.value)
        .values(status=TaskStatus.CLAIMED.value, claimed_by=who, updated_at=now)
    )
    return (await conn.execute(stmt)).rowcount == 1


async def complete(conn: AsyncConnection, task_id: str, outcome: str, note: str | None, now: datetime) -> bool:
    stmt = (
        update(tasks)
        .where(tasks.c.id == task_id, tasks.c.status.in_(_LIVE))
        .values(status=TaskStatus.DONE.value, outcome=outcome, note=note, updated_at=now)
    )
    return (await conn.execute(stmt)).rowcount == 1


async def escalate(conn: AsyncConnection, task: Task, role: str, due: datetime, now: datetime) -> bool:
    """One replica wins: the update expects the level it read."""
    stmt = (
        update(tasks)
        .where(tasks.c.id == task.id, tasks.c.status.in_(_LIVE), tasks.c.escalation_level == task.escalation_level)
        .values(escalation_level=task.escalation_level + 1, assignee_role=role, due_at=due, updated_at=now)
    )
    return (await conn.execute(stmt)).rowcount == 1


async def stop_escalating(conn: AsyncConnection, task: Task, now: datetime) -> bool:
    """At the top of its ladder an overdue task stops being due; one replica wins (it expects what it read)."""
    stmt = (
        update(tasks)
        .where(
            tasks.c.id == task.id,
            tasks.c.status.in_(_LIVE),
            tasks.c.escalation_level == task.escalation_level,
            tasks.c.due_at == task.due_at,
        )
        .values(due_at=None, updated_at=now)
    )
    return (await conn.execute(stmt)).rowcount == 1


async def overdue(conn: AsyncConnection, now: datetime, limit: int) -> list[Task]:
    query = select(tasks).where(tasks.c.status.in_(_LIVE), tasks.c.due_at <= now).order_by(tasks.c.due_at).limit(limit)
    return [_task(r) for r in await conn.execute(query)]


async def live(conn: AsyncConnection, limit: int) -> list[Task]:
    query = select(tasks).where(tasks.c.status.in_(_LIVE)).order_by(tasks.c.created_at).limit(limit)
    return [_task(r) for r in await conn.execute(query)]


async def page(
    conn: AsyncConnection,
    *,
    status: str | None,
    task_type: str | None,
    location_ids: frozenset[str] | None,
    order_id: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Task]:
    t = tasks.c
    conditions = []
    for column, value in (
        (t.status, status),
        (t.type, task_type),
        (t.order_id, order_id),
    ):
        if value is not None:
            conditions.append(column == value)
    if location_ids is not None:
        conditions.append(t.location_id.in_(sorted(location_ids)))
    if after is not None:
        conditions.append(or_(t.created_at < after[0], and_(t.created_at == after[0], t.id < after[1])))
    query = select(tasks).where(*conditions).order_by(t.created_at.desc(), t.id.desc()).limit(limit)
    return [_task(r) for r in await conn.execute(query)]


async def policies(conn: AsyncConnection) -> dict[str, TaskPolicy]:
    found = dict(DEFAULT_POLICIES)
    for r in await conn.execute(select(task_policies)):
        found[r.task_type] = TaskPolicy(
            r.task_type, r.sla_minutes, tuple(r.escalate_to_roles), r.auto_outcome_after_minutes, r.auto_outcome
        )
    return found


async def save_policy(conn: AsyncConnection, policy: TaskPolicy) -> None:
    values = {
        "task_type": policy.task_type,
        "sla_minutes": policy.sla_minutes,
        "escalate_to_roles": list(policy.escalate_to_roles),
        "auto_outcome_after_minutes": policy.auto_outcome_after_minutes,
        "auto_outcome": policy.auto_outcome,
    }
    stmt = upsert(conn, task_policies).values(**values)
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["task_type"], set_={k: stmt.excluded[k] for k in values if k != "task_type"}
        )
    )


async def save_fraud_policy(conn: AsyncConnection, policy: FraudPolicy) -> None:
    values = {
        "id": 1,
        "hold_at_risk_score": policy.hold_at_risk_score,
        "hold_at_order_total": policy.hold_at_order_total,
    }
    stmt = upsert(conn, fraud_policy).values(**values)
    await conn.execute(
        stmt.on_conflict_do_update(index_elements=["id"], set_={k: stmt.excluded[k] for k in values if k != "id"})
    )


async def cancel_for_order(conn: AsyncConnection, order_id: str, now: datetime) -> None:
    await conn.execute(
        update(tasks)
        .where(tasks.c.order_id == order_id, tasks.c.status.in_(_LIVE))
        .values(status=TaskStatus.CANCELLED.value, updated_at=now)
    )


async def cancel_for_subjects(conn: AsyncConnection, subject_ids: Sequence[str], now: datetime) -> None:
    """Live tasks about subjects that are gone (fulfillments an edit cancelled): nothing left to do."""
    if subject_ids:
        await conn.execute(
            update(tasks)
            .where(tasks.c.subject_id.in_(list(subject_ids)), tasks.c.status.in_(_LIVE))
            .values(status=TaskStatus.CANCELLED.value, updated_at=now)
        )


async def open_for_subject(conn: AsyncConnection, subject_id: str) -> dict[str, int]:
    """Live tasks about one subject (a fulfillment, a return), counted per type."""
    query = (
        select(tasks.c.type, func.count())
        .where(tasks.c.subject_id == subject_id, tasks.c.status.in_(_LIVE))
        .group_by(tasks.c.type)
    )
    return {task_type: int(n) for task_type, n in await conn.execute(query)}


async def any_for_subject(conn: AsyncConnection, subject_id: str, task_type: str) -> bool:
    query = select(tasks.c.id).where(tasks.c.subject_id == subject_id, tasks.c.type == task_type).limit(1)
    return (await conn.execute(query)).first() is not None
