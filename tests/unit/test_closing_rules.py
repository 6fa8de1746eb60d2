"""A closing store's rules (domain.closing): what moves, what stays, and the reason it needs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain import closing
from domain.access import Role
from domain.errors import Forbidden, InvalidInput
from domain.orders import FulfillmentStatus as F
from domain.tasks import (
    DEFAULT_POLICIES,
    OUTCOMES,
    STORE_CLOSED,
    Task,
    TaskPolicy,
    TaskStatus,
    check_completer,
    validate_policy,
)


def test_only_unstarted_work_moves_and_started_work_stays() -> None:
    assert [s for s in F if closing.movable(s)] == [F.AWAITING_PICK]
    assert {F.PICKING, F.PICKED, F.PACKED, F.READY_FOR_COLLECTION} == closing.KEPT
    assert not closing.MOVABLE & closing.KEPT


def test_a_reason_is_required_trimmed_and_bounded() -> None:
    assert closing.check_reason("  flood ") == "flood"
    for bad in ("", "   ", "x" * (closing.MAX_REASON + 1)):
        with pytest.raises(InvalidInput) as raised:
            closing.check_reason(bad)
        assert raised.value.field == ("input", "reason")


def test_the_order_is_told_where_its_work_went_and_why() -> None:
    assert closing.rerouted("s1", "flood", "A x2 to s2") == "Store s1 closed (flood): rerouted A x2 to s2"
    assert closing.what({"B": 1, "A": 2, "C": 0}) == "A x2, B x1"
    assert "no other location can serve A x2" in closing.stranded("s1", "flood", "A x2")


def test_a_store_closed_task_is_decided_by_customer_service_never_by_an_associate_or_automatically() -> None:
    assert OUTCOMES[STORE_CLOSED] == {"REROUTE", "WAIT"}
    assert DEFAULT_POLICIES[STORE_CLOSED].role_at(0) == "AGENT"
    with pytest.raises(InvalidInput, match="never automatic"):
        validate_policy(TaskPolicy(STORE_CLOSED, 30, ("AGENT",), 60, "REROUTE"))
    validate_policy(TaskPolicy(STORE_CLOSED, 30, ("AGENT",), 600, "WAIT"))
    task = Task("t1", STORE_CLOSED, TaskStatus.OPEN, "AGENT", 0, datetime(2026, 1, 1, tzinfo=UTC), None)
    with pytest.raises(Forbidden):
        check_completer(task, role=Role.STORE_ASSOCIATE)
    check_completer(task, role=Role.STORE_MANAGER)
