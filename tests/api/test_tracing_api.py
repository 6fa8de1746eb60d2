"""Tracing: OpenTelemetry spans per request, operation, dataloader batch and SQL statement, the gateway's
traceparent continued into webhooks; Apollo's ftv1 inline trace when the gateway asks for it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from app import tracing
from tests.api.network import basic_network, sync, update
from tests.api.test_federation_api import ENTITIES
from tests.api.test_orders_api import PLACE, order_input
from tests.api.test_webhooks_api import register
from tests.backends import Backend, settings_for
from tests.conftest import wipe
from tests.ftv1 import decode
from tests.harness import ADMIN_TOKEN, Api, RunningServer, serve, subscriptions
from tests.receiver import receiving

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
GATEWAY_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{GATEWAY_SPAN}-01"


@pytest.fixture
async def traced(backend: Backend, server: RunningServer) -> AsyncIterator[tuple[Api, InMemorySpanExporter]]:
    """A server of its own with tracing installed, spans kept in memory. The session's server pauses its
    background work meanwhile: only the traced server's relay delivers (and leads, on PostgreSQL)."""
    await wipe(server)
    await server.resources.scheduler.stop()
    exporter = InMemorySpanExporter()
    tracing.install(SimpleSpanProcessor(exporter), redis=backend.redis_url is not None)
    try:
        async with (
            serve(settings_for(backend)) as traced_server,
            httpx.AsyncClient(base_url=traced_server.base_url, timeout=30) as client,
        ):
            yield Api(traced_server, client), exporter
    finally:
        tracing.uninstall()
        server.resources.scheduler.start()


async def post(api: Api, query: str, variables: dict[str, Any], **headers: str) -> dict[str, Any]:
    response = await api.http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {ADMIN_TOKEN}", **headers},
    )
    body = response.json()
    assert not body.get("errors"), body
    return dict(body)


def in_trace(exporter: InMemorySpanExporter, trace_id: str) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if format(s.context.trace_id, "032x") == trace_id]


def ancestors(span: ReadableSpan, spans: list[ReadableSpan]) -> list[ReadableSpan]:
    by_id = {s.context.span_id: s for s in spans}
    found = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        found.append(span)
    return found


def is_sql(span: ReadableSpan) -> bool:
    attributes = span.attributes or {}
    return "db.statement" in attributes or "db.query.text" in attributes


async def test_a_request_continues_the_gateways_trace_down_to_each_sql_statement(
    traced: tuple[Api, InMemorySpanExporter],
) -> None:
    api, exporter = traced
    await basic_network(api)
    exporter.clear()
    query = ENTITIES.replace("query(", "query Entities(")
    reps = [{"__typename": "Location", "id": "us-2"}]
    await post(api, query, {"reps": reps}, traceparent=TRACEPARENT, **{"x-request-id": "rid-trace-1"})
    spans = in_trace(exporter, TRACE_ID)
    (server,) = [s for s in spans if s.parent is not None and format(s.parent.span_id, "016x") == GATEWAY_SPAN]
    assert server.attributes is not None and server.attributes[tracing.REQUEST_ID] == "rid-trace-1"
    (operation,) = [s for s in spans if s.name == "query Entities"]
    assert operation.attributes is not None
    assert operation.attributes["graphql.operation.name"] == "Entities"
    assert operation.attributes["graphql.operation.type"] == "query"
    assert server in ancestors(operation, spans)
    (batch,) = [s for s in spans if s.name == "dataloader location"]
    assert batch.parent is not None and batch.parent.span_id == operation.context.span_id
    assert batch.attributes is not None and batch.attributes["graphql.dataloader.batch_size"] == 1
    statements = [s for s in spans if is_sql(s) and operation in ancestors(s, spans)]
    assert any(batch in ancestors(s, spans) for s in statements), [s.name for s in spans]


async def test_a_webhook_carries_the_trace_of_the_command_that_wrote_its_event(
    traced: tuple[Api, InMemorySpanExporter],
) -> None:
    api, exporter = traced
    await basic_network(api)
    await sync(api, "SNAPSHOT", update("A", "us-1", 5))
    async with receiving() as hook:
        await register(api, hook.url, ["order.created"])
        exporter.clear()
        await post(api, PLACE, {"input": order_input(lines=[("A", 1)])}, traceparent=TRACEPARENT)
        (got,) = await hook.wait_for(1)
    assert got.headers["traceparent"].split("-")[1] == TRACE_ID
    spans: list[ReadableSpan] = []
    for _ in range(50):  # the delivery span ends after the receiver answered
        spans = in_trace(exporter, TRACE_ID)
        if any(s.name == "webhook order.created" for s in spans):
            break
        await asyncio.sleep(0.05)
    (operation,) = [s for s in spans if s.name.startswith("mutation")]
    writes = [s for s in spans if is_sql(s) and operation in ancestors(s, spans)]
    assert writes, "placeOrder's statements (sent straight to asyncpg on PostgreSQL) are spans of the operation"
    (delivery,) = [s for s in spans if s.name == "webhook order.created"]
    assert operation in ancestors(delivery, spans), "the delivery continues the command's trace"
    (sent,) = [s for s in spans if delivery in ancestors(s, spans) and s.kind.name == "CLIENT" and not is_sql(s)]
    assert got.headers["traceparent"].split("-")[2] == format(sent.context.span_id, "016x")


async def test_the_ftv1_trace_comes_only_when_the_gateway_asks_and_decodes(api: Api) -> None:
    await basic_network(api)
    await sync(api, "SNAPSHOT", update("A", "us-1", 4))
    reps = [{"__typename": "Product", "sku": "A"}, {"__typename": "Location", "id": "us-2"}]
    plain = await post(api, ENTITIES, {"reps": reps})
    assert "ftv1" not in (plain.get("extensions") or {})
    asked = await post(api, ENTITIES, {"reps": reps}, **{"apollo-federation-include-trace": "ftv1"})
    assert asked["data"] == plain["data"], "the traced run answers the same"
    trace = decode(asked["extensions"]["ftv1"])
    assert trace.duration_ns > 0 and trace.end_time.ToNanoseconds() >= trace.start_time.ToNanoseconds()
    (entities,) = trace.root.child
    assert (entities.response_name, entities.parent_type, entities.type) == ("_entities", "Query", "[_Entity]!")
    assert 0 < entities.start_time <= entities.end_time <= trace.duration_ns
    product = next(c for c in entities.child if c.index == 0)
    (availability,) = [c for c in product.child if c.response_name == "availability"]
    assert availability.parent_type == "Product" and availability.end_time >= availability.start_time


async def test_an_ftv1_trace_masks_error_messages(api: Api) -> None:
    query = '{ order(id: "nope") { id } }'
    response = await api.http.post(
        "/graphql",
        json={"query": query},
        headers={"authorization": f"Bearer {ADMIN_TOKEN}", "apollo-federation-include-trace": "ftv1"},
    )
    body = response.json()
    trace = decode(body["extensions"]["ftv1"])
    for node in trace.root.child:
        for error in node.error:
            assert error.message == "<masked>"


async def test_subscriptions_run_traced_without_context_errors(
    traced: tuple[Api, InMemorySpanExporter], caplog: pytest.LogCaptureFixture
) -> None:
    api, exporter = traced
    await basic_network(api)
    query = """subscription Watch($skus: [String!]!) {
      availabilityChanged(skus: $skus, channel: "web", market: "US") { sku atp }
    }"""
    async with subscriptions(api.server, token=None) as ws:
        await ws.subscribe(query, {"skus": ["A"]})
        await asyncio.sleep(0.2)
        await sync(api, "SNAPSHOT", update("A", "us-1", 4))
        event = await ws.next_data()
        assert event["data"]["availabilityChanged"] == {"sku": "A", "atp": 4}
    assert not [r for r in caplog.records if r.levelname == "ERROR"], [r.getMessage() for r in caplog.records]
    assert any(s.name == "subscription Watch" for s in exporter.get_finished_spans())


def test_with_tracing_off_nothing_is_installed() -> None:
    from resolvers.schema import create_schema
    from resolvers.tracing import OperationSpan, traced_batch

    assert tracing.tracer() is None and tracing.traceparent() is None

    async def batch(keys: Any) -> list[Any]:
        return list(keys)

    app = object()
    assert tracing.asgi(app) is app and traced_batch("x", batch) is batch
    assert OperationSpan not in create_schema().extensions
