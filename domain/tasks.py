"""Manual processes: tasks people do, with SLAs, exclusive claims and an escalation ladder.

- A task has a type, a status (OPEN, CLAIMED, DONE, CANCELLED, moving only
  along `TASK_TRANSITIONS`), the order and location it concerns, the role
  that should act and a due time from its type's policy. Claiming is
  exclusive; completing needs an outcome the type knows (`OUTCOMES`).
- When a task is overdue it escalates: level + 1, the next role of the policy's
  ladder, a new due time one SLA later. A policy may also apply an automatic
  outcome after a time (e.g. reject an unreviewed order after 48 h).
- Fraud review: an order whose risk score or total reaches the fraud policy's
  threshold is placed ON_HOLD with a FRAUD_REVIEW task; stock stays reserved;
  APPROVE releases it to fulfillment, REJECT cancels it and frees the stock.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.access import STAFF, Role
from domain.errors import Forbidden, InvalidInput, InvalidTransition


class TaskStatus(enum.Enum):
    OPEN = "OPEN"
    CLAIMED = "CLAIMED"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


FRAUD_REVIEW = "FRAUD_REVIEW"
OUTCOMES: dict[str, frozenset[str]] = {
    FRAUD_REVIEW: frozenset({"APPROVE", "REJECT"}),
    "RETURN_QC": frozenset({"RESTOCK", "REFURBISH", "DAMAGED"}),
    "VAS": frozenset({"DONE"}),
    "PICK_EXCEPTION": frozenset({"REROUTE", "PARTIAL", "CANCEL_LINE"}),
    # A closed store's fulfillment nothing else could serve: try again, or wait for the store to reopen.
    "STORE_CLOSED": frozenset({"REROUTE", "WAIT"}),
}
T = TaskStatus
TASK_TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    T.OPEN: frozenset({T.CLAIMED, T.DONE, T.CANCELLED}),
    T.CLAIMED: frozenset({T.DONE, T.CANCELLED}),  # claimed once: nobody takes it over
    T.DONE: frozenset(),
    T.CANCELLED: frozenset(),
}
LIVE = frozenset(status for status, targets in TASK_TRANSITIONS.items() if targets)


def transition(task_id: str, current: TaskStatus, target: TaskStatus) -> TaskStatus:
    """`target` when `TASK_TRANSITIONS` allows the move; INVALID_TRANSITION otherwise."""
    if target not in TASK_TRANSITIONS[current]:
        if target is T.CLAIMED:
            raise InvalidTransition(f"Task {task_id} is {current.value}: only an OPEN task can be claimed", ("id",))
        raise InvalidTransition(f"Task {task_id} is {current.value}", ("id",))
    return target


@dataclass(frozen=True, slots=True)
class TaskPolicy:
    task_type: str
    sla_minutes: float
    escalate_to_roles: tuple[str, ...]
    auto_outcome_after_minutes: float | None = None
    auto_outcome: str | None = None

    def role_at(self, level: int) -> str:
        """Level 0 is the first role of the ladder; beyond its end the last role keeps the task."""
        return self.escalate_to_roles[min(level, len(self.escalate_to_roles) - 1)]

    def next_level(self, level: int) -> int | None:
        """The level an overdue task escalates to; None at the top of the ladder (nobody above to tell)."""
        following = level + 1
        return following if following < len(self.escalate_to_roles) else None


DEFAULT_POLICIES = {
    FRAUD_REVIEW: TaskPolicy(FRAUD_REVIEW, 60, ("AGENT", "STORE_MANAGER", "ADMIN")),
    "RETURN_QC": TaskPolicy("RETURN_QC", 240, ("STORE_ASSOCIATE", "STORE_MANAGER")),
    "VAS": TaskPolicy("VAS", 120, ("STORE_ASSOCIATE", "STORE_MANAGER")),
    "PICK_EXCEPTION": TaskPolicy("PICK_EXCEPTION", 30, ("STORE_MANAGER", "ADMIN")),
    "STORE_CLOSED": TaskPolicy("STORE_CLOSED", 60, ("AGENT", "ADMIN")),  # customer service: the store is away
}


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    type: str
    status: TaskStatus
    assignee_role: str
    escalation_level: int
    created_at: datetime
    due_at: datetime | None
    order_id: str | None = None
    location_id: str | None = None
    outcome: str | None = None
    note: str | None = None
    subject_id: str | None = None


RETURN_QC = "RETURN_QC"
VAS = "VAS"
PICK_EXCEPTION = "PICK_EXCEPTION"
STORE_CLOSED = "STORE_CLOSED"


@dataclass(frozen=True, slots=True)
class FraudPolicy:
    hold_at_risk_score: float | None = None
    hold_at_order_total: float | None = None


def validate_fraud_policy(policy: FraudPolicy) -> FraudPolicy:
    """Thresholds an order can meet: a risk score 0 to 1000 (as orders carry them), a total of 0 or more."""
    if policy.hold_at_risk_score is not None and not 0 <= policy.hold_at_risk_score <= 1000:
        raise InvalidInput("holdAtRiskScore must be 0 to 1000", ("holdAtRiskScore",))
    if policy.hold_at_order_total is not None and not 0 <= policy.hold_at_order_total < float("inf"):
        raise InvalidInput("holdAtOrderTotal must be 0 or more", ("holdAtOrderTotal",))
    return policy


def should_hold(policy: FraudPolicy, risk_score: float | None, total: float) -> bool:
    """At or above either threshold, an order waits for a fraud review."""
    risky = policy.hold_at_risk_score is not None and risk_score is not None and risk_score >= policy.hold_at_risk_score
    large = policy.hold_at_order_total is not None and total >= policy.hold_at_order_total
    return risky or large


def validate_policy(policy: TaskPolicy) -> TaskPolicy:
    if policy.task_type not in OUTCOMES:
        raise InvalidInput(f"Unknown task type {policy.task_type!r}", ("taskType",))
    if policy.sla_minutes <= 0:
        raise InvalidInput("slaMinutes must be positive", ("slaMinutes",))
    if not policy.escalate_to_roles:
        raise InvalidInput("The escalation ladder needs at least one role", ("escalateToRoles",))
    staff = {role.value for role in STAFF}
    unknown = [r for r in policy.escalate_to_roles if r not in staff]
    if unknown:
        known = ", ".join(sorted(staff))
        raise InvalidInput(f"Unknown role {unknown[0]!r} in the ladder; roles are {known}", ("escalateToRoles",))
    if (policy.auto_outcome is None) != (policy.auto_outcome_after_minutes is None):
        raise InvalidInput("autoOutcome and autoOutcomeAfterMinutes go together", ("autoOutcome",))
    if policy.auto_outcome is not None and policy.auto_outcome not in OUTCOMES[policy.task_type]:
        raise InvalidInput(f"{policy.task_type} has no outcome {policy.auto_outcome!r}", ("autoOutcome",))
    if policy.task_type in (PICK_EXCEPTION, STORE_CLOSED) and policy.auto_outcome == "REROUTE":
        others = ", ".join(sorted(OUTCOMES[policy.task_type] - {"REROUTE"}))
        raise InvalidInput(
            f"REROUTE can fail for want of stock, so it is never automatic: use {others}", ("autoOutcome",)
        )
    return policy


# Tasks another system may complete through an integration token: a fraud provider's verdict. Return checks,
# services and pick exceptions are decided by people at the location.
SYSTEM_DECIDED = frozenset({FRAUD_REVIEW})


MANAGER_DECIDED = frozenset(
    {PICK_EXCEPTION, STORE_CLOSED}
)  # the outcome changes what the customer gets (reroute, cancel)


def check_completer(task: Task, *, role: Role) -> None:
    """Who may finish this task: integrations only the system-decided kinds (a fraud provider's verdict);
    a store associate not a decision that changes the customer's order."""
    if role is Role.INTEGRATION and task.type not in SYSTEM_DECIDED:
        raise Forbidden(f"{task.type} tasks are completed by staff, not by an integration", ("id",))
    if role is Role.STORE_ASSOCIATE and task.type in MANAGER_DECIDED:
        raise Forbidden(f"A {task.type} is decided by a store manager or customer service", ("id",))


def check_outcome(task: Task, outcome: str) -> None:
    transition(task.id, task.status, TaskStatus.DONE)
    if outcome not in OUTCOMES.get(task.type, frozenset()):
        known = ", ".join(sorted(OUTCOMES.get(task.type, ())))
        raise InvalidInput(f"{task.type} outcomes are {known}", ("outcome",), outcome=outcome)


def due_at(policy: TaskPolicy, now: datetime) -> datetime:
    return now + timedelta(minutes=policy.sla_minutes)


def due_for_auto_outcome(task: Task, policy: TaskPolicy, now: datetime) -> bool:
    if policy.auto_outcome_after_minutes is None or task.status not in LIVE:
        return False
    return task.created_at + timedelta(minutes=policy.auto_outcome_after_minutes) <= now
