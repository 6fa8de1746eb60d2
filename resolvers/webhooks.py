"""GraphQL surface for webhooks (contract section 5): register endpoints, watch and replay deliveries."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.services import webhooks as service
from domain.errors import DomainError
from domain.webhooks import DeliveryStatus as Status
from resolvers import pagination
from resolvers.context import Info
from resolvers.errors import UserError, user_error
from resolvers.pagination import PageInfo

DeliveryStatus = strawberry.enum(Status, name="WebhookDeliveryStatus")


@strawberry.input
class WebhookInput:
    url: str
    events: list[str]
    secret: str = strawberry.field(description="At least 16 characters; a `whsec_` secret is base64 after the prefix.")


@strawberry.type
class Webhook:
    id: strawberry.ID
    url: str
    events: list[str]
    active: bool
    disabled_reason: str | None


@strawberry.type
class WebhookPayload:
    webhook: Webhook | None
    user_errors: list[UserError]


@strawberry.type
class WebhookDelivery:
    id: strawberry.ID
    event_id: strawberry.ID
    event_type: str
    webhook_id: strawberry.ID
    status: DeliveryStatus  # type: ignore[valid-type]
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime


@strawberry.type
class WebhookDeliveryEdge:
    cursor: str
    node: WebhookDelivery


@strawberry.type
class WebhookDeliveryConnection:
    edges: list[WebhookDeliveryEdge]
    page_info: PageInfo


@strawberry.type
class ReplayPayload:
    replayed: int
    user_errors: list[UserError]


def _node(d: service.DeliveryView) -> WebhookDelivery:
    return WebhookDelivery(
        id=strawberry.ID(d.id),
        event_id=strawberry.ID(d.event_id),
        event_type=d.event_type,
        webhook_id=strawberry.ID(d.webhook_id),
        status=Status(d.status),
        attempts=d.attempts,
        next_attempt_at=d.next_attempt_at,
        last_status_code=d.last_status_code,
        last_error=d.last_error,
        created_at=d.created_at,
    )


@strawberry.type
class WebhooksQuery:
    @strawberry.field(description="Registered webhook endpoints.")
    async def webhooks(self, info: Info) -> list[Webhook]:
        info.context.require_staff()
        return [
            Webhook(
                id=strawberry.ID(w.id),
                url=w.url,
                events=list(w.events),
                active=w.active,
                disabled_reason=w.disabled_reason,
            )
            for w in await service.list_webhooks(info.context.resources)
        ]

    @strawberry.field(description="Webhook deliveries and their state, newest first.")
    async def webhook_deliveries(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        status: DeliveryStatus | None = None,  # type: ignore[valid-type]
        webhook_id: strawberry.ID | None = None,
    ) -> WebhookDeliveryConnection:
        info.context.require_staff()
        size = pagination.page_size(first)
        found = await service.list_deliveries(
            info.context.resources,
            status=status.value if status else None,  # type: ignore[attr-defined]
            webhook_id=str(webhook_id) if webhook_id else None,
            after=pagination.decode(after),
            limit=size + 1,
        )
        edges = [WebhookDeliveryEdge(cursor=pagination.encode(d.created_at, d.id), node=_node(d)) for d in found[:size]]
        return WebhookDeliveryConnection(
            edges=edges,
            page_info=pagination.page_info(len(found), size, edges[-1].cursor if edges else None),
        )


@strawberry.type
class WebhooksMutation:
    @strawberry.mutation(description="Register an endpoint for event types ('order.created', 'order.*', '*').")
    async def register_webhook(self, info: Info, input: WebhookInput) -> WebhookPayload:  # noqa: A002
        info.context.require_staff()
        try:
            found = await service.register(
                info.context.resources, url=input.url, events=input.events, secret=input.secret
            )
        except DomainError as error:
            return WebhookPayload(webhook=None, user_errors=[user_error(error.at("input"))])
        webhook = Webhook(
            id=strawberry.ID(found.id), url=found.url, events=list(found.events), active=True, disabled_reason=None
        )
        return WebhookPayload(webhook=webhook, user_errors=[])

    @strawberry.mutation(description="Queue failed deliveries again: one by id, or all of them.")
    async def replay_webhook_deliveries(self, info: Info, delivery_id: strawberry.ID | None = None) -> ReplayPayload:
        info.context.require_staff()
        count = await service.replay(info.context.resources, delivery_id=str(delivery_id) if delivery_id else None)
        return ReplayPayload(replayed=count, user_errors=[])
