"""The outbox relay: fan events out to webhook deliveries, then deliver what is due.

Runs in every replica's scheduler; the guarded claims in `app.store.outbox`
make sure two replicas never send the same attempt. Order-created events are
enriched once, before fan-out, with the EMAIL recommendations, so a
notification service can render the confirmation email without calling back.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx

from app import tracing
from app.resources import Resources
from app.services.recommendations import RecommendationAsk, recommend
from app.services.uow import utc_now
from app.store import outbox
from app.store.outbox import Due
from domain import webhooks
from domain.errors import DomainError
from domain.recommendations import RecommendationContext
from domain.webhooks import DeliveryStatus, Outcome

log = logging.getLogger(__name__)
FAN_OUT_BATCH = 200
DELIVERY_BATCH = 50


def lease(timeout_seconds: float) -> timedelta:
    """How long a claimed delivery is this replica's: twice the HTTP timeout and a second, since an attempt
    never outlives its timeout. A replica killed mid-delivery leaves the lease to expire; another then sends
    the same event (same webhook-id) again: at least once, never zero times."""
    return timedelta(seconds=2 * timeout_seconds + 1)


async def purge_expired(resources: Resources, now: datetime | None = None) -> int:
    """The retention job: settled events older than `OMS_EVENT_RETENTION_DAYS`, with their deliveries,
    deleted a batch per transaction (short locks); returns how many events went."""
    cutoff = webhooks.retention_cutoff(now or utc_now(), resources.settings.event_retention_days)
    if cutoff is None:
        return 0
    async with resources.db.read() as conn:
        if not await outbox.any_settled(conn, cutoff):
            return 0  # an idle tick takes no write lock
    purged = 0
    while True:
        async with resources.db.write() as conn:
            batch = await outbox.purge_settled(conn, cutoff, webhooks.PURGE_BATCH)
        purged += batch
        if batch < webhooks.PURGE_BATCH:
            return purged


class Relay:
    def __init__(self, resources: Resources) -> None:
        self.resources = resources
        self._rng = random.Random()

    async def run_once(self, client: httpx.AsyncClient) -> int:
        """Fan out what is new, then deliver what is due; returns the number of delivery attempts."""
        while await self.fan_out():
            pass
        attempts = 0
        while batch := await self._claim():
            await asyncio.gather(*(self._deliver(client, due) for due in batch))
            attempts += len(batch)
        return attempts

    async def fan_out(self) -> int:
        """Create a delivery per subscribed endpoint for new events; returns how many events this relay took.

        Enrichment (EMAIL recommendations) reads on other connections, so it runs
        before the write transaction: a transaction never waits on another
        connection of ours. Only events some endpoint subscribes to are enriched
        (nobody else reads them), and events nobody subscribes to are marked done
        in one statement: with no webhooks, an order costs the relay almost nothing.
        """
        db = self.resources.db
        async with db.read() as conn:
            seen = await outbox.pending_events(conn, FAN_OUT_BATCH, lock=False)
            hooks = await outbox.active_webhooks(conn) if seen else []
        if not seen:
            return 0
        enriched = {}
        for event in seen:
            if _wants_recommendations(event) and _subscribers(hooks, event):
                enriched[event.id] = {
                    **event.payload,
                    "recommendations": await self._email_recommendations(event.payload),
                }
        async with db.write() as conn:
            events = await outbox.pending_events(conn, FAN_OUT_BATCH, lock=True, ids=[e.id for e in seen])
            hooks = await outbox.active_webhooks(conn)
            now = utc_now()
            unheard: list[str] = []
            for event in events:
                subscribed = _subscribers(hooks, event)
                if not subscribed:
                    unheard.append(event.id)
                    continue
                if event.id in enriched:
                    await outbox.set_payload(conn, event.id, enriched[event.id])
                elif _wants_recommendations(event):
                    continue  # an endpoint subscribed since the read: enriched and fanned out next round
                deliveries = [
                    {
                        "id": f"dlv_{uuid.uuid4().hex[:20]}",
                        "event_id": event.id,
                        "webhook_id": hook.id,
                        "status": DeliveryStatus.PENDING.value,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for hook in subscribed
                ]
                await outbox.fan_out(conn, event.id, deliveries)
            await outbox.mark_fanned_out(conn, unheard)
        return len(events)

    async def _email_recommendations(self, payload: dict[str, Any]) -> list[dict[str, Any]]:
        order = payload.get("order") or {}
        ask = RecommendationAsk(
            (), order.get("channel", ""), order.get("market", ""), RecommendationContext.EMAIL, order_id=order.get("id")
        )
        try:
            found = (await recommend(self.resources, [ask]))[0]
        except DomainError:
            return []
        return [
            {
                "sku": r.sku,
                "locationId": r.location_id,
                "method": r.method.value,
                "fulfillmentId": r.fulfillment_id,
                "reason": r.reason,
                "score": r.score,
            }
            for r in found
        ]

    async def _claim(self) -> list[Due]:
        async with self.resources.db.read() as conn:
            if not await outbox.any_due(conn, utc_now()):
                return []  # nothing due: no write lock taken (SQLite has one for the whole database)
        async with self.resources.db.write() as conn:
            return await outbox.claim_due(
                conn, utc_now(), DELIVERY_BATCH, lease(self.resources.settings.webhook_timeout_seconds)
            )

    async def _deliver(self, client: httpx.AsyncClient, due: Due) -> None:
        body = json.dumps(
            {"type": due.event_type, "timestamp": due.created_at.isoformat(), "data": due.payload},
            separators=(",", ":"),
        )
        timestamp = int(utc_now().timestamp())
        headers = {
            "content-type": "application/json",
            "webhook-id": due.event_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": webhooks.signature(due.endpoint.secret, due.event_id, timestamp, body),
        }
        tracer = tracing.tracer()
        if tracer is None:
            await self._record(due, *await _post(client, due, body, headers))
            return
        # The delivery continues the trace of the command that wrote the event; httpx's instrumentation
        # then sends its traceparent to the receiver.
        with tracer.start_as_current_span(
            f"webhook {due.event_type}",
            context=tracing.context_from(due.traceparent),
            attributes={"oms.event_id": due.event_id, "oms.delivery_id": due.id, "oms.attempt": due.attempts + 1},
        ) as span:
            code, error, retry_after = await _post(client, due, body, headers)
            if code is not None:
                span.set_attribute("http.response.status_code", code)
            if error is not None or (code is not None and code >= 400):
                span.set_status(tracing.error_status(RuntimeError(error or f"HTTP {code}")))
            await self._record(due, code, error, retry_after)

    async def _record(self, due: Due, code: int | None, error: str | None, retry_after: float | None) -> None:
        now = utc_now()
        attempts = due.attempts + 1
        result = webhooks.outcome(code)
        status, next_at = DeliveryStatus.PENDING, now
        if result is Outcome.DELIVERED:
            status = DeliveryStatus.DELIVERED
        elif result is Outcome.DISABLE or attempts >= webhooks.MAX_ATTEMPTS:
            status = DeliveryStatus.FAILED
        else:
            delay = webhooks.retry_delay(
                attempts,
                self._rng.random(),
                retry_after if code == 429 else None,
                self.resources.settings.webhook_retry_base_seconds,
            )
            next_at = now + timedelta(seconds=delay)
        async with self.resources.db.write() as conn:
            await outbox.record_attempt(
                conn, due.id, status=status, attempts=attempts, next_at=next_at, code=code, error=error, now=now
            )
            if result is Outcome.DISABLE:
                await outbox.disable_webhook(conn, due.endpoint.id, "410 Gone from the endpoint")
        if status is DeliveryStatus.FAILED:
            log.warning("webhook delivery failed", extra={"delivery": due.id, "url": due.endpoint.url, "code": code})


async def _post(
    client: httpx.AsyncClient, due: Due, body: str, headers: dict[str, str]
) -> tuple[int | None, str | None, float | None]:
    """One attempt: (status code, transport error, Retry-After seconds)."""
    try:
        response = await client.post(due.endpoint.url, content=body, headers=headers)
    except httpx.HTTPError as failure:
        return None, f"{type(failure).__name__}: {failure}", None
    return response.status_code, None, _retry_after(response.headers.get("retry-after"))


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def _subscribers(hooks: list[outbox.Endpoint], event: Any) -> list[outbox.Endpoint]:
    """Endpoints subscribed to the event's type that were registered when it happened (a new endpoint
    is not sent what happened before it, even when the relay had not fanned that out yet)."""
    return [
        hook
        for hook in hooks
        if webhooks.subscribed(hook.events, event.type)
        and (hook.created_at is None or hook.created_at <= event.created_at)
    ]


def _wants_recommendations(event: Any) -> bool:
    return bool(event.type == "order.created" and "recommendations" not in event.payload)
