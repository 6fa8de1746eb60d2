"""Manual tasks and the SLA and escalation policy per task type."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Float, Index, Integer, String, Table

from app.store.tables.base import REF, metadata
from app.store.types import UtcDateTime

tasks = Table(
    "tasks",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("type", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("order_id", String(40)),
    Column("location_id", String(REF)),
    Column("subject_id", String(40)),  # what the task is about beyond the order, e.g. a return
    Column("assignee_role", String(32), nullable=False),
    Column("claimed_by", String(REF)),
    Column("escalation_level", Integer, nullable=False),
    Column("due_at", UtcDateTime),
    Column("outcome", String(32)),
    Column("note", String(2000)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "status", "due_at"),
    Index(None, "order_id"),
    Index(None, "location_id", "status"),
    Index(None, "created_at", "id"),
)


task_policies = Table(
    "task_policies",
    metadata,
    Column("task_type", String(32), primary_key=True),
    Column("sla_minutes", Float, nullable=False),
    Column("escalate_to_roles", JSON, nullable=False),
    Column("auto_outcome_after_minutes", Float),
    Column("auto_outcome", String(32)),
)
