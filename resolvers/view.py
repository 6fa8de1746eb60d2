"""The GraphQL endpoint: HTTP and graphql-transport-ws on one path.

Over HTTP it follows GraphQL over HTTP: a client that accepts `application/graphql-response+json` gets that
media type, and a request that fails before execution (parse, validation, variables, operation name, cost)
answers 400 with `errors` and no `data`; with `application/json` (legacy, gateways) every well-formed request
answers 200. A request that is not GraphQL over HTTP at all (bad JSON, no query) keeps its 4xx, as JSON.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import CannotGetOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from app.auth import ANONYMOUS, InvalidToken, authenticate
from app.config import Settings
from app.gate import ROUTER_HEADER, router_secret_ok
from app.logs import request_id
from app.media import JSON, content_type, response_media_type
from app.resources import Resources
from resolvers.context import Context
from resolvers.errors import PublicError


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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
        except HTTPException as error:  # not GraphQL over HTTP at all: its status, as a GraphQL error
            media = response_media_type(request.headers.get("accept"))
            body = {"errors": [{"message": error.reason, "extensions": {"code": "BAD_REQUEST"}}]}
            response = JSONResponse(body, error.status_code, media_type=media if media == JSON else content_type(media))
        await response(scope, receive, send)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        """The negotiated media type rides on the sub-response until `create_response` writes it."""
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = response_media_type(request.headers.get("accept"))
        return sub_response

    async def execute_single(  # noqa: PLR0917 - Strawberry's signature
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        try:
            result = await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        except HTTPException as error:
            named = isinstance(request_data.operation_name, str)  # else the request itself is malformed: 400
            if not (named and isinstance(error.__cause__, CannotGetOperationTypeError)):
                raise
            result = PreExecutionError(data=None, errors=[PublicError(error.reason, "BAD_REQUEST")])
        if sub_response.media_type != JSON and request_failed(result):
            internal = any((e.extensions or {}).get("code") == "INTERNAL" for e in result.errors or ())
            sub_response.status_code = 500 if internal else 400
        return result

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        if request_failed(result) and response_media_type(request.headers.get("accept")) != JSON:
            response.pop("data", None)  # type: ignore[misc]  # a request error has no data entry at all
        return response

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type and sub_response.media_type != JSON:
            response.headers["content-type"] = content_type(sub_response.media_type)
        return response

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


def request_failed(result: ExecutionResult) -> bool:
    """Failed before execution (parse, validation, variables, operation name, cost): no data, and no error
    that a resolver raised (each of those has a path)."""
    errors: list[GraphQLError] = result.errors or []
    return result.data is None and bool(errors) and all(e.path is None for e in errors)
