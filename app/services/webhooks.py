"""Use cases: register webhook endpoints, list deliveries, replay failed ones."""

from __future__ import annotations

import asyncio
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.resources import Resources
from app.store import outbox
from app.store.outbox import Endpoint
from domain import webhooks
from domain.errors import InvalidInput


async def _check_reachable(url: str, allow_private: bool) -> None:
    """Refuse endpoints that resolve to private, loopback or link-local addresses (SSRF)."""
    scheme, host = webhooks.validate_url(url)
    if allow_private:
        return
    port = 443 if scheme == "https" else 80
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        raise InvalidInput(f"Cannot resolve {host!r}", ("url",)) from None
    for info in infos:
        if webhooks.is_internal(str(info[4][0])):
            raise InvalidInput(f"{host} resolves to an internal address; webhooks go to public endpoints", ("url",))


async def register(resources: Resources, *, url: str, events: list[str], secret: str) -> Endpoint:
    webhooks.validate_events(events)
    webhooks.validate_secret(secret)
    await _check_reachable(url, resources.settings.webhook_allow_private)
    endpoint = Endpoint(f"wh_{uuid.uuid4().hex[:20]}", url, tuple(events), secret, True)
    uow = resources.uow()
    async with uow:
        await outbox.add_webhook(uow.conn, endpoint, uow.now)
    return endpoint


@dataclass(frozen=True, slots=True)
class DeliveryView:
    id: str
    event_id: str
    event_type: str
    webhook_id: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime


def _view(row: Any) -> DeliveryView:
    return DeliveryView(
        row.id,
        row.event_id,
        row.type,
        row.webhook_id,
        row.status,
        row.attempts,
        row.next_attempt_at,
        row.last_status_code,
        row.last_error,
        row.created_at,
    )


async def list_deliveries(
    resources: Resources, *, status: str | None, webhook_id: str | None, after: tuple[datetime, str] | None, limit: int
) -> list[DeliveryView]:
    async with resources.db.read() as conn:
        found = await outbox.deliveries(conn, status=status, webhook_id=webhook_id, after=after, limit=limit)
    return [_view(r) for r in found]


async def list_webhooks(resources: Resources) -> list[Endpoint]:
    async with resources.db.read() as conn:
        return await outbox.all_webhooks(conn)


async def replay(resources: Resources, *, delivery_id: str | None) -> int:
    uow = resources.uow()
    async with uow:
        count = await outbox.replay(uow.conn, delivery_id, uow.now)
        if count:
            uow.mark_recorded()
    return count
