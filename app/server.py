"""The ASGI application: GraphQL, health, metrics; resources made in the lifespan.

The GraphQL endpoint itself is handed in by the composition root (`oms/compose.py`): `app/` never
imports `resolvers/`, which sit above it.
"""

from __future__ import annotations

import gc
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from app import auth, pages, tracing
from app.config import Settings
from app.gate import Gate, router_secret_ok
from app.logs import request_id
from app.metrics import Metrics
from app.pubsub import make_broker
from app.ratelimit import make_rate_limiter
from app.resources import Resources
from app.scheduler import Scheduler
from app.services.freshness import freshness
from app.services.holds import hold_counts
from app.services.uow import utc_now
from app.store import migrate
from app.store.db import Database

log = logging.getLogger("oms.server")

GraphQLEndpoint = Callable[[Resources, Metrics], ASGIApp]
"""Builds the `/graphql` endpoint (HTTP and WebSocket) over the app's resources and metrics."""


def create_app(settings: Settings, graphql_endpoint: GraphQLEndpoint, *, run_migrations: bool = True) -> Starlette:
    """Build the app around the GraphQL endpoint it is given; the database and Redis come alive in the lifespan."""
    metrics = Metrics()
    if settings.otel_endpoint and tracing.tracer() is None:
        tracing.install_from_env(settings.otel_service_name)
    db = Database(settings.database_url, pool_size=settings.db_pool_size)
    tracing.instrument_engine(db.engine.sync_engine)
    resources = Resources(
        settings, db, make_broker(settings.redis_url, settings.pubsub_prefix), auth.admin_token(settings)
    )
    resources.storefront_token = settings.demo_storefront_token
    graphql = graphql_endpoint(resources, metrics)
    limiter = make_rate_limiter(
        settings.redis_url, settings.pubsub_prefix, settings.rate_limit_per_minute, settings.rate_limit_burst
    )
    scheduler = Scheduler(resources)
    resources.scheduler = scheduler

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if run_migrations:
            await migrate.upgrade(db)
        await resources.broker.start()
        resources.sales.start()
        scheduler.start()
        if settings.production and not settings.router_secret:
            log.warning("OMS_ROUTER_SECRET is unset: anyone can reach this subgraph directly, _service included")
        gc.collect()
        gc.freeze()  # start-up objects never need collecting: shorter GC pauses under load
        log.info("serving", extra={"database": db.engine.url.render_as_string(hide_password=True)})
        try:
            yield
        finally:
            await scheduler.stop()
            if limiter is not None:
                await limiter.close()
            await resources.sales.stop()
            await resources.broker.stop()
            await db.dispose()

    async def live(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def ready(_: Request) -> Response:
        checks: dict[str, str] = {}
        for name, probe in (("database", db.ping), ("pubsub", resources.broker.ping)):
            try:
                await probe()
                checks[name] = "ok"
            except Exception as error:  # noqa: BLE001 - readiness reports, never raises
                checks[name] = f"error: {type(error).__name__}"
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)

    prometheus = metrics_endpoint(settings, db, metrics, scheduler)

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/health/live", live),
            Route("/health/ready", ready),
            Route("/metrics", prometheus),
            *pages.routes(resources),
        ],
        lifespan=lifespan,
    )
    app.state.resources = resources
    app.state.metrics = metrics
    resources.limiter = limiter
    return tracing.asgi(RequestContext(app, resources, metrics, Gate(resources)))  # type: ignore[no-any-return]


def metrics_endpoint(settings: Settings, db: Database, metrics: Metrics, scheduler: Scheduler) -> Any:
    """GET /metrics: Prometheus text, freshness gauges read at scrape time; behind `OMS_METRICS_TOKEN` when set."""

    async def prometheus(request: Request) -> Response:
        presented = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not router_secret_ok(settings.metrics_token, presented):
            return JSONResponse({"error": "metrics need the metrics token"}, status_code=401)
        now = utc_now()
        for tier, fresh in (await freshness(db, now)).items():
            metrics.positions.labels(tier).set(fresh.positions)
            age = (now - fresh.stalest).total_seconds() if fresh.stalest else 0.0
            metrics.stalest_age.labels(tier).set(max(0.0, age))
        for status, count in (await hold_counts(db, now)).items():
            metrics.checkout_holds.labels(status).set(count)
        metrics.background_leader.set(1 if scheduler.leading else 0)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return prometheus


class RequestContext:
    """Outermost middleware: request id, the gate of HTTP GraphQL calls (app/gate.py), access metrics."""

    def __init__(self, app: Starlette, resources: Resources, metrics: Metrics, gate: Gate) -> None:
        self.app = app
        self.state = app.state
        self.resources = resources
        self.metrics = metrics
        self.gate = gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        rid = headers.get("x-request-id", "")[:64] or uuid.uuid4().hex
        token = request_id.set(rid)
        tracing.tag_request(rid)
        try:
            if scope["type"] == "websocket":
                receive = capped_messages(receive, send, self.resources.settings.max_body_bytes)
            if scope["type"] == "http" and scope["path"] == "/graphql":
                refusal, receive = await self.gate.admit(scope, receive, headers, rid)
                if refusal is not None:
                    await self._timed(scope, receive, send, rid, refusal)
                    return
            await self._timed(scope, receive, send, rid, self.app)
        finally:
            request_id.reset(token)

    async def _timed(self, scope: Scope, receive: Receive, send: Send, rid: str, app: ASGIApp) -> None:
        status = {"code": 500}

        async def send_with_id(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        started = time.perf_counter()
        try:
            await app(scope, receive, send_with_id)
        finally:
            if scope["type"] == "http":
                self.metrics.http_requests.labels(
                    scope["path"] if scope["path"] in _PATHS else "other", str(status["code"])
                ).inc()
                log.debug(
                    "request",
                    extra={
                        "path": scope["path"],
                        "status": status["code"],
                        "ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )


_PATHS = {"/graphql", "/health/live", "/health/ready", "/metrics"}
WS_MESSAGE_TOO_BIG = 1009  # RFC 6455 close code


def capped_messages(receive: Receive, send: Send, limit: int) -> Receive:
    """WebSocket messages are capped like HTTP bodies, however the app is served (uvicorn's own cap is
    16 MiB unless `oms serve` sets it): a larger one closes the connection with 1009, unread."""

    async def capped() -> MutableMapping[str, Any]:
        message = await receive()
        if message["type"] == "websocket.receive":
            text, data = message.get("text"), message.get("bytes")
            size = len(data) if data is not None else len(text.encode()) if text and len(text) * 4 > limit else 0
            if size > limit:
                await send({"type": "websocket.close", "code": WS_MESSAGE_TOO_BIG, "reason": "message too big"})
                return {"type": "websocket.disconnect", "code": WS_MESSAGE_TOO_BIG}
        return message

    return capped
