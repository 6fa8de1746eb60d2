"""Webhook rules read against the code: every recorded event type is subscribable; the retention cutoff."""

from __future__ import annotations

import re
from pathlib import Path

from domain.webhooks import EVENT_TYPES

APP = Path(__file__).resolve().parents[2] / "app"
RECORDED = (
    re.compile(r"\.record\(\s*\"([a-z_]+\.[a-z_]+)\""),  # uow.record("fulfillment.delivered", ...)
    re.compile(r"announce\(\s*uow,\s*[\w.]+,\s*\"([a-z_]+\.[a-z_]+)\""),  # task_log.announce(uow, task, "task.x")
    re.compile(r"outbox_type=\"([a-z_]+\.[a-z_]+)\"|^\s*\"(order\.created)\",$", re.M),  # placeOrder's one write
)


def recorded_types() -> set[str]:
    found: set[str] = set()
    for path in APP.rglob("*.py"):
        text = path.read_text()
        for pattern in RECORDED:
            for match in pattern.finditer(text):
                found.update(group for group in match.groups() if group)
    return found


def test_every_recorded_event_type_is_subscribable() -> None:
    recorded = recorded_types()
    assert {"order.created", "fulfillment.delivered", "task.escalated", "pick_list.created"} <= recorded
    assert recorded == EVENT_TYPES  # nothing recorded that cannot be subscribed to, nothing offered never sent


def test_the_retention_cutoff_is_days_before_now_and_zero_keeps_everything() -> None:
    from datetime import UTC, datetime, timedelta

    from domain.webhooks import retention_cutoff

    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    assert retention_cutoff(now, 14) == now - timedelta(days=14)
    assert retention_cutoff(now, 0.5) == now - timedelta(hours=12)
    assert retention_cutoff(now, 0) is None
