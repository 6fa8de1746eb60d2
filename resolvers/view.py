"""The GraphQL endpoint: HTTP and graphql-transport-ws on one path."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from app.auth import ANONYMOUS, InvalidToken, authenticate
from app.config import Settings
from app.gate import ROUTER_HEADER, router_secret_ok
from app.logs import request_id
from app.resources import Resources
from resolvers.context import Context


class GraphQLView(GraphQL[Context, None]):
    def __init__(self, schema: Any, resources: Resources, settings: Settings) -> None:
        super().__init__(
            schema,
            graphql_ide=None if settings.production else "graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_seconds),
            max_subscriptions_per_connection=settings.ws_max_subscriptions,
            allowed_origins=settings.ws_allowed_origins,
        )
        self.resources = resources
        self.router_secret = settings.router_secret

    def encode_json(self, data: object) -> str:
        """Responses and WebSocket messages serialised by orjson (several times json's speed); text, so
        WebSocket frames stay text frames. A value orjson refuses (an int past 64 bits) falls back to json."""
        try:
            return orjson.dumps(data).decode()
        except TypeError:
            return json.dumps(data, separators=(",", ":"))

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        # HTTP requests were authenticated by the middleware; WebSockets authenticate on connection_init.
        principal = request.scope.get("oms.principal")
        rid = request_id.get() or uuid.uuid4().hex
        if principal is None:
            principal = ANONYMOUS
        return Context(self.resources, principal, rid, request=request, response=response)

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        params = context.connection_params or {}
        if self.router_secret:
            presented = params.get("Router-Authorization") or params.get("router-authorization")
            if presented is None and context.request is not None:
                presented = context.request.headers.get(ROUTER_HEADER)
            if not router_secret_ok(self.router_secret, presented):
                raise ConnectionRejectionError({"reason": "Requests must come through the federation router"})
        header = params.get("Authorization") or params.get("authorization")
        if header is None and context.request is not None:
            header = context.request.headers.get("authorization")
        try:
            context.principal = await authenticate(
                self.resources.db, str(header) if header else None, self.resources.admin_token
            )
        except InvalidToken as error:
            raise ConnectionRejectionError({"reason": str(error)}) from error
        return None
