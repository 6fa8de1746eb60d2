"""The ASGI application: GraphQL, health, metrics; resources made in the lifespan.

The GraphQL endpoint itself is handed in by the composition root (`oms/compose.py`): `app/` never
imports `resolvers/`, which sit above it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
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

from app import auth, pages, reports_csv, tracing
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
from app.services.reporting import location_measures
from app.services.uow import utc_now
from app.store import migrate
from app.store.db import Database, is_unavailable

log = logging.getLogger("oms.server")

READY_CHECK_SECONDS = 1.0  # a check that does not answer by then counts as down: readiness never hangs
MIGRATE_RETRY_SECONDS = (0.5, 1.0, 2.0)  # then every 2 s until the database answers


async def migrated_now(db: Database) -> bool:
    """Apply migrations: False when the database cannot be reached (not there yet, refusing, restarting)."""
    try:
        await migrate.upgrade(db)
    except Exception as error:
        if not is_unavailable(error):
            raise
        log.warning("database not reachable for migrations (%s): serving, retrying", type(error).__name__)
        return False
    return True


class StartupMigrations:
    """Migrations in the lifespan (when wanted): applied before serving when the database answers; when it
    does not, the server serves anyway (`/health/ready` 503, `migrations: pending`) and retries until it
    does, instead of crashing out of start-up."""

    def __init__(self, db: Database, wanted: bool) -> None:
        self.db = db
        self.wanted = wanted
        self.done = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if not self.wanted or await migrated_now(self.db):
            self.done.set()
        else:
            self._task = asyncio.create_task(self._retry(), name="migrations")

    async def _retry(self) -> None:
        for attempt in itertools.count():
            await asyncio.sleep(MIGRATE_RETRY_SECONDS[min(attempt, len(MIGRATE_RETRY_SECONDS) - 1)])
            if await migrated_now(self.db):
                log.info("database reachable: migrations applied")
                self.done.set()
                return

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task


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
    scheduler = Scheduler(resources, metrics)
    resources.scheduler = scheduler

    migrations = StartupMigrations(db, run_migrations or settings.migrate_on_start)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await migrations.start()
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
            await migrations.stop()
            await scheduler.stop()
            if limiter is not None:
                await limiter.close()
            await resources.sales.stop()
            await resources.broker.stop()
            await db.dispose()

    async def live(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    ready = ready_endpoint(db, resources, migrations.done)
    prometheus = metrics_endpoint(settings, db, metrics, scheduler)

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/health/live", live),
            Route("/health/ready", ready),
            Route("/metrics", prometheus),
            Route("/reports/operations.csv", reports_csv.endpoint(resources)),
            *pages.routes(resources),
        ],
        lifespan=lifespan,
    )
    app.state.resources = resources
    app.state.metrics = metrics
    resources.limiter = limiter
    return tracing.asgi(RequestContext(app, resources, metrics, Gate(resources)))  # type: ignore[no-any-return]


def ready_endpoint(db: Database, resources: Resources, migrated: asyncio.Event) -> Any:
    """GET /health/ready: 503 while the database is down or migrations are pending; a frozen Redis is
    reported (`degraded`) but serving goes on (in-process pub/sub, local rate limits), so it does not take
    every replica out of rotation."""

    async def ready(_: Request) -> Response:
        checks: dict[str, str] = {}
        for name, probe in (("database", db.ping), ("pubsub", resources.broker.ping)):
            try:
                await asyncio.wait_for(probe(), READY_CHECK_SECONDS)
                checks[name] = "ok"
            except Exception as error:  # noqa: BLE001 - readiness reports, never raises
                checks[name] = f"error: {type(error).__name__}"
        if not migrated.is_set():
            checks["migrations"] = "pending"
        ok = all(v == "ok" for k, v in checks.items() if k != "pubsub")
        status = "unavailable" if not ok else "ok" if checks["pubsub"] == "ok" else "degraded"
        return JSONResponse({"status": status, "checks": checks}, status_code=200 if ok else 503)

    return ready


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
        metrics.background_leader_since.set(scheduler.leadership.since or 0)
        metrics.set_report(await location_measures(db, now))
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
