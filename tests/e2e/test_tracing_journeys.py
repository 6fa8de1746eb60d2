"""A trace begun by the client reaches our SQL statements through Apollo Gateway and Hive Gateway.

The gateways pass the W3C trace context on (`traceparent`, `tracestate`), so
the subgraph's spans for a storefront page join the client's trace: the
operation, the dataloader batches and each SQL statement under it.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from app import tracing
from tests.backends import Backend
from tests.e2e import processes
from tests.e2e.conftest import Stack, compose
from tests.harness import serve
from tests.servers import free_port

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
TRACEPARENT = f"00-{TRACE_ID}-b7ad6b7169203331-01"
PLP = """
query TracedPLP($first: Int!) {
  products(first: $first, offset: 0) { items { sku name availability(channel: "web", market: "US") { atp } } }
}"""


@pytest.mark.parametrize("gateway", ["apollo", "hive"])
async def test_a_client_trace_reaches_our_sql_through_the_gateway(
    stack: Stack, backend: Backend, tmp_path: Path, gateway: str
) -> None:
    exporter = InMemorySpanExporter()
    tracing.install(SimpleSpanProcessor(exporter), redis=backend.redis_url is not None)
    try:
        async with contextlib.AsyncExitStack() as cleanup:
            oms = await cleanup.enter_async_context(serve(stack.oms.resources.settings))  # traced, same database
            supergraph, _ = await compose(tmp_path, oms.base_url + "/graphql", stack.catalog_url)
            if gateway == "hive":
                port = free_port()
                node = await processes.start(
                    "hive-gateway",
                    "node_modules/.bin/hive-gateway",
                    "supergraph",
                    str(supergraph),
                    env={"HIVE_PORT": str(port)},
                )
                cleanup.push_async_callback(node.stop)
                await node.wait_for(rf"Listening on http://127\.0\.0\.1:{port}")
                url = f"http://127.0.0.1:{port}/graphql"
            else:
                node = await processes.start("apollo-gateway", "apollo-gateway.mjs", "--supergraph", str(supergraph))
                cleanup.push_async_callback(node.stop)
                url = (await node.wait_for(r"READY (\S+)")).group(1)
            response = await stack.http.post(
                url, json={"query": PLP, "variables": {"first": 8}}, headers={"traceparent": TRACEPARENT}
            )
            body = response.json()
            assert not body.get("errors") and len(body["data"]["products"]["items"]) == 8, body
    finally:
        tracing.uninstall()
    ours = [s for s in exporter.get_finished_spans() if s.context.trace_id == int(TRACE_ID, 16)]
    names = {s.name for s in ours}
    assert any(name.startswith("query") for name in names), names  # the operation span
    assert any(s.attributes and "db.statement" in s.attributes for s in ours), names  # and SQL under it
