"""Tracing as deployed: `OTEL_EXPORTER_OTLP_ENDPOINT` in a server process's environment is the one switch, and
its spans reach an OTLP/HTTP collector (here a receiver decoding the protobuf) in the gateway's trace. Without
it nothing is exported, even with the traces-only endpoint the OTLP exporter would otherwise follow."""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path

import httpx
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from tests.backends import Backend
from tests.faults import fresh_database
from tests.harness import ADMIN_TOKEN
from tests.receiver import Receiver, receiving
from tests.servers import server_process

TRACE_ID = "5ce0e9a56015fec5aadfa328ae398115"
GATEWAY_SPAN = "ab54a98ceb1f0ad2"
QUERY = "query Locations { locations { id } }"
FLUSH = {"OTEL_BSP_SCHEDULE_DELAY": "100", "OTEL_EXPORTER_OTLP_TIMEOUT": "5"}  # milliseconds; seconds
EXPORT_WITHIN = 20.0
QUIET_FOR = 1.5  # fifteen batch delays after the traced replica's spans came: the untraced one's would have too


def exported(collector: Receiver, service: str) -> list[Span]:
    """Every span the collector received from this service, decoded from the OTLP/HTTP protobuf bodies."""
    spans: list[Span] = []
    for arrival in collector.received:
        assert arrival.path == "/v1/traces", arrival.path
        assert arrival.headers["content-type"] == "application/x-protobuf", arrival.headers
        raw = gzip.decompress(arrival.raw) if arrival.headers.get("content-encoding") == "gzip" else arrival.raw
        request = ExportTraceServiceRequest.FromString(raw)
        for resource_spans in request.resource_spans:
            names = {a.value.string_value for a in resource_spans.resource.attributes if a.key == "service.name"}
            if service in names:
                spans += [span for scope in resource_spans.scope_spans for span in scope.spans]
    return spans


def in_trace(spans: list[Span]) -> list[Span]:
    return [s for s in spans if s.trace_id.hex() == TRACE_ID]


def is_sql(span: Span) -> bool:
    return any(a.key in ("db.statement", "db.query.text") for a in span.attributes)


async def ask(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        answer = await http.post(
            "/graphql",
            json={"query": QUERY, "operationName": "Locations"},
            headers={"authorization": f"Bearer {ADMIN_TOKEN}", "traceparent": f"00-{TRACE_ID}-{GATEWAY_SPAN}-01"},
        )
    assert answer.status_code == 200 and not answer.json().get("errors"), answer.text


async def arrived(collector: Receiver) -> list[Span]:
    """The traced replica's spans of the gateway's trace, once its operation and a SQL statement came."""
    spans: list[Span] = []
    try:
        async with asyncio.timeout(EXPORT_WITHIN):
            while not any(is_sql(s) for s in spans) or not any(s.name == "query Locations" for s in spans):
                await asyncio.sleep(0.1)
                spans = in_trace(exported(collector, "oms-on"))
    except TimeoutError:
        raise AssertionError(f"no operation and SQL spans exported within {EXPORT_WITHIN} s: {spans}") from None
    return spans


async def test_the_otlp_endpoint_variable_turns_export_on_and_its_absence_keeps_it_off(
    backend: Backend, tmp_path: Path
) -> None:
    (tmp_path / "on").mkdir()
    (tmp_path / "off").mkdir()
    async with (
        fresh_database(backend, tmp_path / "on") as on_db,
        fresh_database(backend, tmp_path / "off") as off_db,
        receiving() as collector,
    ):
        base = collector.url.removesuffix("/hooks")
        async with (
            server_process(on_db, OTEL_EXPORTER_OTLP_ENDPOINT=base, OTEL_SERVICE_NAME="oms-on", **FLUSH) as on,
            server_process(
                off_db,
                OTEL_EXPORTER_OTLP_ENDPOINT="",  # unset, whatever the test run's environment says
                OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=f"{base}/v1/traces",
                OTEL_SERVICE_NAME="oms-off",
                **FLUSH,
            ) as off,
        ):
            await asyncio.gather(ask(off.server.base_url), ask(on.server.base_url))
            spans = await arrived(collector)
            await asyncio.sleep(QUIET_FOR)
            spans = in_trace(exported(collector, "oms-on"))
            untraced = exported(collector, "oms-off")
    by_id = {s.span_id: s for s in spans}
    (server,) = [s for s in spans if s.parent_span_id.hex() == GATEWAY_SPAN]
    (operation,) = [s for s in spans if s.name == "query Locations"]
    assert {(a.key, a.value.string_value) for a in operation.attributes} >= {
        ("graphql.operation.name", "Locations"),
        ("graphql.operation.type", "query"),
    }

    def ancestors(span: Span) -> list[Span]:
        found = []
        while span.parent_span_id in by_id:
            span = by_id[span.parent_span_id]
            found.append(span)
        return found

    assert server in ancestors(operation)
    statements = [s for s in spans if is_sql(s) and operation in ancestors(s)]
    assert statements, [s.name for s in spans]
    assert untraced == [], [s.name for s in untraced]
    print(
        f"\nOTLP export: {len(spans)} spans of the gateway's trace ({len(statements)} SQL), "
        f"{len(collector.received)} POSTs, none from the replica without the variable"
    )
