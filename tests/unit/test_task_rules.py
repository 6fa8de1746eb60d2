"""Task and fraud policies refuse what could never apply; who may decide a task (domain.tasks)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.access import Role
from domain.errors import Forbidden, InvalidInput
from domain.tasks import (
    FRAUD_REVIEW,
    PICK_EXCEPTION,
    VAS,
    FraudPolicy,
    Task,
    TaskPolicy,
    TaskStatus,
    check_completer,
    validate_fraud_policy,
    validate_policy,
)


def test_a_ladder_names_staff_roles_and_fraud_thresholds_are_reachable() -> None:
    validate_policy(TaskPolicy(VAS, 30, ("STORE_ASSOCIATE", "STORE_MANAGER")))
    with pytest.raises(InvalidInput, match="JANITOR"):
        validate_policy(TaskPolicy(VAS, 30, ("STORE_ASSOCIATE", "JANITOR")))
    validate_fraud_policy(FraudPolicy(800, 5000))
    for bad in (FraudPolicy(-5, None), FraudPolicy(1001, None), FraudPolicy(None, -1), FraudPolicy(None, float("nan"))):
        with pytest.raises(InvalidInput):
            validate_fraud_policy(bad)


def test_a_pick_exception_is_a_managers_decision_and_a_fraud_verdict_may_come_from_an_integration() -> None:
    def task(kind: str) -> Task:
        return Task("t1", kind, TaskStatus.OPEN, "STORE_MANAGER", 0, datetime(2026, 11, 27, tzinfo=UTC), None)

    with pytest.raises(Forbidden):
        check_completer(task(PICK_EXCEPTION), role=Role.STORE_ASSOCIATE)
    check_completer(task(PICK_EXCEPTION), role=Role.STORE_MANAGER)
    check_completer(task(VAS), role=Role.STORE_ASSOCIATE)
    check_completer(task(FRAUD_REVIEW), role=Role.INTEGRATION)
    with pytest.raises(Forbidden):
        check_completer(task(VAS), role=Role.INTEGRATION)
