"""Events on their way out: the transactional outbox, webhook subscriptions and deliveries."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table

from app.store.tables.base import metadata
from app.store.types import UtcDateTime

# Transactional outbox: every event is written in the transaction that causes
# it; the relay fans it out to webhook deliveries after commit.
outbox_events = Table(
    "outbox_events",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("seq", BigInteger, nullable=False),  # commit-clock microseconds: delivery order
    Column("type", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("fanned_out", Boolean, nullable=False),
    Column("traceparent", String(64)),  # W3C trace context of the writing command (tracing on): deliveries continue it
    Index(None, "fanned_out", "seq"),
)


webhooks = Table(
    "webhooks",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("url", String(2000), nullable=False),
    Column("events", JSON, nullable=False),
    Column("secret", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("disabled_reason", String(200)),
    Column("created_at", UtcDateTime, nullable=False),
)


webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("event_id", String(40), ForeignKey("outbox_events.id", ondelete="CASCADE"), nullable=False),
    Column("webhook_id", String(40), ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("locked_until", UtcDateTime),
    Column("last_status_code", Integer),
    Column("last_error", String(500)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "event_id", "webhook_id", unique=True),
    Index(None, "status", "next_attempt_at"),
)
