"""The door of `/graphql` over HTTP: router secret, body size, authentication, rate limit.

In that order, so a caller without the router secret costs no database read,
and an oversized body is refused before it is parsed.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope

from app import auth
from app.media import JSON, content_type, response_media_type
from app.ratelimit import retry_after
from app.resources import Resources
from app.store.db import is_unavailable
from domain.access import Principal

ROUTER_HEADER = "router-authorization"


def router_secret_ok(secret: str | None, presented: object) -> bool:
    """No secret configured: open. Otherwise the presented value must match (constant-time)."""
    if not secret:
        return True
    return isinstance(presented, str) and hmac.compare_digest(presented.encode(), secret.encode())


def rate_key(principal: Principal, client_host: str) -> str:
    """One bucket per token; anonymous callers share one per address."""
    return f"ip:{client_host}" if principal.anonymous else principal.subject


def error_response(
    status: int, message: str, code: str, rid: str, media_type: str = JSON, **extra: Any
) -> JSONResponse:
    """A refusal as a GraphQL response (no `data`), in the media type the client accepts."""
    body = {"errors": [{"message": message, "extensions": {"code": code, "requestId": rid, **extra}}]}
    media = media_type if media_type == JSON else content_type(media_type)
    return JSONResponse(body, status_code=status, headers={"x-request-id": rid}, media_type=media)


async def throttled(
    resources: Resources, principal: Principal, client_host: str, rid: str, media: str = JSON
) -> JSONResponse | None:
    """A 429 THROTTLED refusal when the caller's bucket is empty (None: go on); every HTTP endpoint that
    reads for a caller draws on the same bucket."""
    if resources.limiter is None:
        return None
    wait = await resources.limiter.take(rate_key(principal, client_host))
    if wait <= 0:
        return None
    seconds = retry_after(wait)
    refusal = error_response(429, "Rate limit exceeded", "THROTTLED", rid, media, retryAfter=seconds)
    refusal.headers["retry-after"] = str(seconds)
    return refusal


class Gate:
    def __init__(self, resources: Resources) -> None:
        self.resources = resources
        self.settings = resources.settings

    async def admit(
        self, scope: Scope, receive: Receive, headers: Mapping[str, str], rid: str
    ) -> tuple[ASGIApp | None, Receive]:
        """(a refusal to send, or None) and the receive channel to hand on (the body is read once here)."""
        media = response_media_type(headers.get("accept"))
        if not router_secret_ok(self.settings.router_secret, headers.get(ROUTER_HEADER)):
            return error_response(
                403, "Requests must come through the federation router", "FORBIDDEN", rid, media
            ), receive
        body, too_big = await self._body(scope, receive, headers)
        if too_big:
            limit = self.settings.max_body_bytes
            return error_response(413, f"Request body over {limit} bytes", "BAD_REQUEST", rid, media), receive
        try:
            principal = await auth.authenticate(
                self.resources.db, headers.get("authorization"), self.resources.admin_token
            )
        except auth.InvalidToken as error:
            refusal = error_response(401, str(error), "UNAUTHENTICATED", rid, media)
            refusal.headers["www-authenticate"] = "Bearer"
            return refusal, receive
        except Exception as error:
            if not is_unavailable(error):
                raise
            message = "Temporarily unavailable: retry with the same idempotency key"
            return error_response(503, message, "UNAVAILABLE", rid), receive
        scope["oms.principal"] = principal
        client = scope.get("client") or ("unknown", 0)
        return await throttled(self.resources, principal, client[0], rid, media), _replay(body)

    async def _body(self, scope: Scope, receive: Receive, headers: Mapping[str, str]) -> tuple[bytes, bool]:
        limit = self.settings.max_body_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return b"", True
        if scope.get("method") != "POST":
            return b"", False
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return b"", True
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), False


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
