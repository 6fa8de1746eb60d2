"""OpenTelemetry tracing: on only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, otherwise nothing is installed.

One tracer provider per process, kept here rather than as OpenTelemetry's global (which can be set only
once per process): `install` takes any span processor, so tests hand in an in-memory exporter and remove
it again with `uninstall`. The instrumentations (SQLAlchemy per engine, Redis, httpx per client, ASGI per
app) take this provider explicitly. When tracing is off `tracer()` is None, and every caller skips its
span work behind that one check: no provider, no instrumentation, no wrapper.

Propagation is OpenTelemetry's global propagator: W3C `traceparent` (and baggage) unless
`OTEL_PROPAGATORS` says otherwise, read from the gateway's request and written into webhooks.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

log = logging.getLogger("oms.tracing")

REQUEST_ID = "oms.request_id"  # the span attribute carrying app/logs.py's request id

_state: dict[str, Any] = {"provider": None, "tracer": None, "redis": False, "engines": False}


def tracer() -> Any | None:
    """The OMS tracer when tracing is on, else None (callers do no span work at all)."""
    return _state["tracer"]


def provider() -> Any | None:
    return _state["provider"]


def install(processor: Any, *, service_name: str = "promise-oms", redis: bool = True) -> Any:
    """Turn tracing on with this span processor; returns the tracer provider. Idempotent per processor:
    a second call replaces the first (tests install a fresh in-memory exporter each)."""
    from opentelemetry import trace
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider

    uninstall()
    tracer_provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service_name}))
    tracer_provider.add_span_processor(processor)
    _state["provider"] = tracer_provider
    _state["tracer"] = trace.get_tracer("promise-oms", tracer_provider=tracer_provider)
    if redis:
        from opentelemetry.instrumentation.redis import RedisInstrumentor

        RedisInstrumentor().instrument(tracer_provider=tracer_provider)
        _state["redis"] = True
    return tracer_provider


def install_from_env(service_name: str) -> Any:
    """Production: spans batched to the OTLP/HTTP exporter, which reads the standard `OTEL_EXPORTER_OTLP_*`
    variables itself (endpoint, headers, timeout); the provider also becomes OpenTelemetry's global one."""
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    tracer_provider = install(BatchSpanProcessor(OTLPSpanExporter()), service_name=service_name)
    trace.set_tracer_provider(tracer_provider)
    log.info("tracing on", extra={"service": service_name})
    return tracer_provider


def uninstall() -> None:
    """Tracing off again: flush and shut the provider, remove the global instrumentation."""
    tracer_provider = _state["provider"]
    if _state["redis"]:
        from opentelemetry.instrumentation.redis import RedisInstrumentor

        RedisInstrumentor().uninstrument()
    if _state["engines"]:
        from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

        EngineTracer.remove_all_event_listeners()  # type: ignore[no-untyped-call]
    _state.update(provider=None, tracer=None, redis=False, engines=False)
    if tracer_provider is not None:
        tracer_provider.shutdown()


def instrument_engine(sync_engine: Any) -> None:
    """A span per SQL statement SQLAlchemy runs on this engine (and, through app/store/driver.py's
    cursor events, per statement sent straight to asyncpg).

    The instrumentation's own `EngineTracer`, attached to this engine alone: its `SQLAlchemyInstrumentor`
    front door refuses SQLAlchemy 2.1 (a version gate, not an incompatibility: the cursor events are the
    same), instruments once per process, and would also patch `create_engine` everywhere."""
    tracer_provider = _state["provider"]
    if tracer_provider is None:
        return
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.instrumentation.sqlalchemy.version import __version__
    from opentelemetry.metrics import NoOpMeter

    connections = NoOpMeter("promise-oms").create_up_down_counter("db.client.connections.usage")
    tracer = tracer_provider.get_tracer("opentelemetry.instrumentation.sqlalchemy", __version__)
    EngineTracer(tracer, sync_engine, connections)  # type: ignore[no-untyped-call]
    _state["engines"] = True


def instrument_client(client: Any) -> None:
    """Spans for this httpx client's requests, each carrying `traceparent` to the receiver."""
    if _state["provider"] is None:
        return
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor.instrument_client(client, tracer_provider=_state["provider"])


def asgi(app: Any) -> Any:
    """The app under OpenTelemetry's ASGI middleware (a server span per request, the gateway's
    `traceparent` continued), or the app itself when tracing is off. Health and metrics are not traced."""
    if _state["provider"] is None:
        return app
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    traced = OpenTelemetryMiddleware(
        app,
        excluded_urls="health/live,health/ready,metrics",
        tracer_provider=_state["provider"],
        exclude_spans=["receive", "send"],
    )
    traced.state = getattr(app, "state", None)  # type: ignore[attr-defined]  # app.state stays reachable
    return traced


def tag_request(request_id: str) -> None:
    """Put the request id on the request's span."""
    if _state["provider"] is None:
        return
    from opentelemetry import trace

    span = trace.get_current_span()
    if span.is_recording():
        span.set_attribute(REQUEST_ID, request_id)


def traceparent() -> str | None:
    """The W3C `traceparent` of the span in force (stored with an outbox event), None when off or outside a trace."""
    if _state["provider"] is None:
        return None
    from opentelemetry.propagate import inject

    carrier: dict[str, str] = {}
    inject(carrier)
    return carrier.get("traceparent")


def context_from(traceparent_value: str | None) -> Any | None:
    """The OpenTelemetry context a stored `traceparent` names (a span started in it continues that trace)."""
    if not traceparent_value:
        return None
    from opentelemetry.propagate import extract

    carrier: Mapping[str, str] = {"traceparent": traceparent_value}
    return extract(carrier)


def error_status(error: BaseException) -> Any:
    """An ERROR span status describing `error`."""
    from opentelemetry.trace import Status, StatusCode

    return Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"[:200])
