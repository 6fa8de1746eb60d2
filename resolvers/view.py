"""The GraphQL endpoint: HTTP and graphql-transport-ws on one path."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from app.auth import ANONYMOUS, InvalidToken, authenticate
from app.logs import request_id
from app.resources import Resources
from resolvers.context import Context


class GraphQLView(GraphQL[Context, None]):
    def __init__(self, schema: Any, resources: Resources, *, graphql_ide: bool) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphql_ide else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.resources = resources

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        # HTTP requests were authenticated by the middleware; WebSockets authenticate on connection_init.
        principal = request.scope.get("oms.principal")
        rid = request_id.get() or uuid.uuid4().hex
        if principal is None:
            principal = ANONYMOUS
        return Context(self.resources, principal, rid, request=request, response=response)

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        params = context.connection_params or {}
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
