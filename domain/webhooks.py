"""Webhooks, as the Standard Webhooks specification defines them.

- An endpoint subscribes to event types (`order.created`, ...), a family
  (`order.*`) or everything (`*`).
- Each delivery carries `webhook-id` (the event's id, stable across retries),
  `webhook-timestamp` (seconds) and `webhook-signature`: `v1,` + base64 of
  HMAC-SHA256 over `id.timestamp.body` with the endpoint's secret (a `whsec_`
  secret is base64 after the prefix, as the spec's libraries expect).
- At least once: a 2xx answer delivers; 410 Gone disables the endpoint; any
  other answer or a timeout retries with exponential backoff and jitter
  (honouring Retry-After on 429) until `MAX_ATTEMPTS`, then the delivery is
  FAILED and kept for an operator to replay.
- Endpoints are http(s) URLs; private, loopback and link-local addresses are
  refused unless the deployment allows them.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import ipaddress
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from domain.errors import InvalidInput

EVENT_TYPES = frozenset(
    {
        "order.created",
        "order.status_changed",
        "order.acknowledged",
        "order.edited",
        "fulfillment.status_changed",
        "fulfillment.step_completed",
        "fulfillment.step_skipped",
        "fulfillment.delivered",
        "fulfillment.collection_failed",
        "fulfillment.collection_code_reissued",
        "pick_list.created",
        "return.requested",
        "return.received",
        "task.created",
        "task.claimed",
        "task.escalated",
        "task.escalation_exhausted",
        "task.completed",
        "inventory.changed",
        "order.rerouted",
        "location.active_changed",
        "transfer.shipped",
        "transfer.received",
    }
)  # every type the outbox records (tests/unit/test_webhook_event_types.py reads the code to hold us to it)
MAX_ATTEMPTS = 8
PURGE_BATCH = 1000  # events deleted per transaction by the retention job
BASE_DELAY_SECONDS = 2.0
MAX_DELAY_SECONDS = 3600.0


class DeliveryStatus(enum.Enum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


class Outcome(enum.Enum):
    DELIVERED = "DELIVERED"
    RETRY = "RETRY"
    DISABLE = "DISABLE"


def subscribed(patterns: Iterable[str], event_type: str) -> bool:
    for pattern in patterns:
        if pattern in ("*", event_type) or (pattern.endswith(".*") and event_type.startswith(pattern[:-1])):
            return True
    return False


def validate_events(patterns: list[str]) -> list[str]:
    if not patterns:
        raise InvalidInput("Subscribe to at least one event type (or '*')", ("events",))
    families = {t.split(".")[0] for t in EVENT_TYPES}
    for pattern in patterns:
        known = pattern == "*" or pattern in EVENT_TYPES or (pattern.endswith(".*") and pattern[:-2] in families)
        if not known:
            raise InvalidInput(f"Unknown event type {pattern!r}; known: {', '.join(sorted(EVENT_TYPES))}", ("events",))
    return patterns


def validate_url(url: str) -> tuple[str, str]:
    """(scheme, host) of an acceptable endpoint URL, else InvalidInput."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("A webhook URL is an absolute http(s) URL", ("url",))
    return parts.scheme, parts.hostname


def is_internal(address: str) -> bool:
    """Private, loopback, link-local, reserved or unspecified: not somewhere a webhook should reach."""
    ip = ipaddress.ip_address(address)
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_unspecified or ip.is_multicast


def validate_secret(secret: str) -> str:
    key_bytes(secret)
    if len(secret) < 16:
        raise InvalidInput("A webhook secret has at least 16 characters", ("secret",))
    return secret


def key_bytes(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        except ValueError:
            raise InvalidInput("A whsec_ secret is base64 after the prefix", ("secret",)) from None
    return secret.encode()


def signature(secret: str, message_id: str, timestamp: int, body: str) -> str:
    signed = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(key_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def outcome(status_code: int | None) -> Outcome:
    """What an answer means: None is a timeout or a connection error."""
    if status_code is not None and 200 <= status_code < 300:
        return Outcome.DELIVERED
    if status_code == 410:
        return Outcome.DISABLE
    return Outcome.RETRY


def retry_delay(
    attempt: int, jitter: float, retry_after: float | None = None, base_seconds: float = BASE_DELAY_SECONDS
) -> float:
    """Seconds before attempt `attempt + 1`: exponential with +-20% jitter (jitter in 0..1), or Retry-After."""
    if retry_after is not None and retry_after >= 0:
        return min(retry_after, MAX_DELAY_SECONDS)
    base: float = min(base_seconds * 2.0 ** (attempt - 1), MAX_DELAY_SECONDS)
    return base * (0.8 + 0.4 * jitter)


def retention_cutoff(now: datetime, days: float) -> datetime | None:
    """Settled events created before this are deleted with their deliveries; None (days <= 0): keep all.

    Settled: fanned out, and no delivery of it still PENDING (a delivery being
    retried is never cut short; a FAILED one can be replayed until the cutoff)."""
    if days <= 0:
        return None
    return now - timedelta(days=days)
