"""GraphQL surface for manual processes (contract section 5): tasks, policies, fraud policy, taskEvents."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry

from app.services import returns as return_service
from app.services import tasks as service
from app.services.task_log import TASKS_TOPIC
from domain import tasks as domain
from domain.errors import DomainError
from resolvers import access, pagination
from resolvers.context import Info
from resolvers.errors import UserError, user_error
from resolvers.network import Location, load_location
from resolvers.order_types import Order, order_node
from resolvers.pagination import PageInfo

TaskStatus = strawberry.enum(domain.TaskStatus)


@strawberry.type(description="Work for a person: a fraud review, a return check, a service, a pick exception.")
class Task:
    id: strawberry.ID
    type: str
    status: TaskStatus  # type: ignore[valid-type]
    assignee_role: str
    due_at: datetime | None
    escalation_level: int
    outcome: str | None
    note: str | None
    created_at: datetime
    subject_id: strawberry.ID | None = strawberry.field(
        description="What the task is about beyond the order: a return, or the fulfillment of a VAS or pick exception."
    )
    order_id: strawberry.Private[str | None]
    location_id: strawberry.Private[str | None]

    @strawberry.field(description="Overdue at the top of its escalation ladder: nobody above to escalate to.")
    def escalation_exhausted(self) -> bool:
        return self.due_at is None and self.status in domain.LIVE

    @strawberry.field
    async def order(self, info: Info) -> Order | None:
        found = await info.context.loaders.order.load(self.order_id) if self.order_id else None
        found = await access.visible_order(info.context, found)
        return order_node(found) if found else None

    @strawberry.field
    async def location(self, info: Info) -> Location | None:
        return await load_location(info, self.location_id)

    @strawberry.field(description="The outcomes completeTask accepts for this task's type.")
    def outcomes(self) -> list[str]:
        return sorted(domain.OUTCOMES.get(self.type, ()))


def task_node(t: domain.Task) -> Task:
    return Task(
        id=strawberry.ID(t.id),
        type=t.type,
        status=t.status,
        assignee_role=t.assignee_role,
        due_at=t.due_at,
        escalation_level=t.escalation_level,
        outcome=t.outcome,
        note=t.note,
        created_at=t.created_at,
        subject_id=strawberry.ID(t.subject_id) if t.subject_id else None,
        order_id=t.order_id,
        location_id=t.location_id,
    )


@strawberry.type
class TaskEdge:
    cursor: str
    node: Task


@strawberry.type
class TaskConnection:
    edges: list[TaskEdge]
    page_info: PageInfo


@strawberry.type
class TaskPayload:
    task: Task | None
    user_errors: list[UserError]


@strawberry.input
class TaskPolicyInput:
    task_type: str
    sla_minutes: float
    escalate_to_roles: list[str]
    auto_outcome_after_minutes: float | None = None
    auto_outcome: str | None = None


@strawberry.type
class TaskPolicy:
    task_type: str
    sla_minutes: float
    escalate_to_roles: list[str]
    auto_outcome_after_minutes: float | None
    auto_outcome: str | None


@strawberry.type
class TaskPolicyPayload:
    policy: TaskPolicy | None
    user_errors: list[UserError]


@strawberry.input
class FraudPolicyInput:
    hold_at_risk_score: float | None = None
    hold_at_order_total: float | None = None


@strawberry.type
class FraudPolicy:
    hold_at_risk_score: float | None
    hold_at_order_total: float | None


@strawberry.type
class FraudPolicyPayload:
    policy: FraudPolicy | None
    user_errors: list[UserError]


@strawberry.type(description="A task was created, claimed, escalated or completed.")
class TaskEvent:
    task_id: strawberry.ID
    type: str
    task_type: str
    status: TaskStatus  # type: ignore[valid-type]
    order_id: strawberry.ID | None
    location_id: strawberry.ID | None
    assignee_role: str
    escalation_level: int


@strawberry.type
class TasksQuery:
    @strawberry.field(description="Tasks, newest first, filtered; `first` is capped at 100.")
    async def tasks(
        self,
        info: Info,
        *,
        status: TaskStatus | None = None,  # type: ignore[valid-type]
        type: str | None = None,  # noqa: A002
        location_id: strawberry.ID | None = None,
        order_id: strawberry.ID | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> TaskConnection:
        info.context.require_staff()
        size = pagination.page_size(first)
        found = await service.list_tasks(
            info.context.resources,
            status=status.value if status else None,  # type: ignore[attr-defined]
            task_type=type,
            location_ids=info.context.location_filter(str(location_id) if location_id else None),
            order_id=str(order_id) if order_id else None,
            after=pagination.decode(after),
            limit=size + 1,
        )
        edges = [TaskEdge(cursor=pagination.encode(t.created_at, t.id), node=task_node(t)) for t in found[:size]]
        return TaskConnection(
            edges=edges,
            page_info=pagination.page_info(len(found), size, edges[-1].cursor if edges else None),
        )


@strawberry.type
class ReceiveReturnPayload:
    task: Task | None
    user_errors: list[UserError]


@strawberry.type
class TasksMutation:
    @strawberry.mutation(description="Returned goods arrived at a location: opens its RETURN_QC task.")
    async def receive_return(self, info: Info, id: strawberry.ID, location_id: strawberry.ID) -> ReceiveReturnPayload:  # noqa: A002
        info.context.require_staff()
        resources = info.context.resources
        try:
            task_id = await return_service.receive_return(resources, return_id=str(id), location_id=str(location_id))
        except DomainError as error:
            return ReceiveReturnPayload(task=None, user_errors=[user_error(error)])
        task = await service.get_task(resources, task_id=task_id)
        return ReceiveReturnPayload(task=task_node(task) if task else None, user_errors=[])

    @strawberry.mutation(description="SLA, escalation ladder and optional automatic outcome of a task type.")
    async def upsert_task_policy(self, info: Info, input: TaskPolicyInput) -> TaskPolicyPayload:  # noqa: A002
        info.context.require_staff()
        policy = domain.TaskPolicy(
            input.task_type,
            input.sla_minutes,
            tuple(input.escalate_to_roles),
            input.auto_outcome_after_minutes,
            input.auto_outcome,
        )
        try:
            saved = await service.upsert_policy(info.context.resources, policy=policy)
        except DomainError as error:
            return TaskPolicyPayload(policy=None, user_errors=[user_error(error.at("input"))])
        return TaskPolicyPayload(
            policy=TaskPolicy(
                task_type=saved.task_type,
                sla_minutes=saved.sla_minutes,
                escalate_to_roles=list(saved.escalate_to_roles),
                auto_outcome_after_minutes=saved.auto_outcome_after_minutes,
                auto_outcome=saved.auto_outcome,
            ),
            user_errors=[],
        )

    @strawberry.mutation(description="Orders at or above these thresholds wait ON_HOLD for a FRAUD_REVIEW task.")
    async def set_fraud_policy(self, info: Info, input: FraudPolicyInput) -> FraudPolicyPayload:  # noqa: A002
        info.context.require_staff()
        policy = domain.FraudPolicy(input.hold_at_risk_score, input.hold_at_order_total)
        try:
            saved = await service.set_fraud_policy(info.context.resources, policy=policy)
        except DomainError as error:
            return FraudPolicyPayload(policy=None, user_errors=[user_error(error.at("input"))])
        return FraudPolicyPayload(
            policy=FraudPolicy(
                hold_at_risk_score=saved.hold_at_risk_score, hold_at_order_total=saved.hold_at_order_total
            ),
            user_errors=[],
        )

    @strawberry.mutation(description="Take an OPEN task; two people cannot claim the same task.")
    async def claim_task(self, info: Info, id: strawberry.ID) -> TaskPayload:  # noqa: A002
        info.context.require_staff()
        try:
            task = await service.claim(info.context.resources, task_id=str(id), who=info.context.principal.subject)
        except DomainError as error:
            return TaskPayload(task=None, user_errors=[user_error(error)])
        return TaskPayload(task=task_node(task), user_errors=[])

    @strawberry.mutation(description="Finish a task with an outcome its type knows (e.g. APPROVE or REJECT).")
    async def complete_task(self, info: Info, id: strawberry.ID, outcome: str, note: str | None = None) -> TaskPayload:  # noqa: A002
        info.context.require_staff()
        try:
            task = await service.complete(
                info.context.resources,
                task_id=str(id),
                outcome=outcome,
                note=note,
                role=info.context.principal.role,
            )
        except DomainError as error:
            return TaskPayload(task=None, user_errors=[user_error(error)])
        return TaskPayload(task=task_node(task), user_errors=[])


@strawberry.type
class TasksSubscription:
    @strawberry.subscription(description="Task events, for one location's screen or (staff) every location.")
    async def task_events(
        self, info: Info, location_id: strawberry.ID | None = None
    ) -> AsyncGenerator[TaskEvent, None]:
        info.context.require_staff()
        principal = info.context.principal
        async with info.context.resources.broker.hub.listen(TASKS_TOPIC) as queue:
            while True:
                m = await queue.get()
                if location_id is not None and m.get("locationId") != str(location_id):
                    continue
                if not principal.sees_location(m.get("locationId")):
                    continue
                yield TaskEvent(
                    task_id=strawberry.ID(m["taskId"]),
                    type=m["type"],
                    task_type=m["taskType"],
                    status=domain.TaskStatus(m["status"]),
                    order_id=strawberry.ID(m["orderId"]) if m.get("orderId") else None,
                    location_id=strawberry.ID(m["locationId"]) if m.get("locationId") else None,
                    assignee_role=m["assigneeRole"],
                    escalation_level=m["escalationLevel"],
                )
