"""Health, metrics, GraphiQL, request ids and safe errors over real HTTP."""

from __future__ import annotations

import asyncio

import pytest

from resolvers import availability as availability_resolvers
from tests.api.network import availability, basic_network, sync, update
from tests.harness import Api, subscriptions


async def test_health_live_and_ready_report_every_dependency(api: Api) -> None:
    live = await api.http.get("/health/live")
    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    ready = await api.http.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "pubsub": "ok"}}


async def test_metrics_count_operations_by_name(api: Api) -> None:
    await api.gql("query StoresForMetrics { locations { id } }")
    text = (await api.http.get("/metrics")).text
    assert 'oms_graphql_requests_total{operation="StoresForMetrics",outcome="ok"}' in text
    assert 'oms_graphql_request_duration_seconds_bucket{le="0.001",operation="StoresForMetrics"}' in text


async def test_graphiql_is_served_to_browsers(api: Api) -> None:
    page = await api.http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


async def test_the_request_id_is_echoed_and_generated_when_absent(api: Api) -> None:
    given = await api.http.get("/health/live", headers={"x-request-id": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    generated = await api.http.get("/health/live")
    assert len(generated.headers["x-request-id"]) == 32


async def test_validation_errors_stay_useful(api: Api) -> None:
    body = await api.raw("{ locations { idd } }", token=None)
    assert "Cannot query field 'idd'" in body["errors"][0]["message"]


async def test_an_internal_fault_is_masked_with_a_request_id(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    await basic_network(api)

    async def broken(*_: object, **__: object) -> None:
        raise RuntimeError("SELECT secret FROM positions -- must never reach a client")

    monkeypatch.setattr(api.server.resources.availability, "read", broken)
    body = await api.raw('{ availability(skus: ["A"], channel: "web", market: "US") { atp } }', token=None)
    error = body["errors"][0]
    assert error["message"] == "Internal server error"
    assert error["extensions"]["code"] == "INTERNAL"
    assert len(error["extensions"]["requestId"]) == 32
    assert "secret" not in str(body)
    monkeypatch.undo()
    assert (await availability(api, ["A"]))[0]["atp"] == 0


STOCK_EVENTS = 'subscription { availabilityChanged(skus: ["A"], channel: "web", market: "US") { sku atp } }'


class Leaky:
    """An availability node whose ATP fails with an internal message."""

    sku = "A"

    @property
    def atp(self) -> int:
        raise RuntimeError("SELECT secret FROM positions -- must never reach a client")


async def test_an_internal_fault_in_a_subscription_event_is_masked(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    await basic_network(api)
    monkeypatch.setattr(availability_resolvers.NODES, "node", lambda _: Leaky())
    async with subscriptions(api.server, token=None) as ws:
        await ws.subscribe(STOCK_EVENTS)
        await asyncio.sleep(0.2)  # the subscription has read its baseline
        await sync(api, "SNAPSHOT", update("A", "us-1", 4))
        event = await ws.next_data()
    error = event["errors"][0]
    assert (error["message"], error["extensions"]["code"]) == ("Internal server error", "INTERNAL")
    assert "secret" not in str(event)


async def test_a_subscription_whose_read_fails_ends_with_a_masked_error(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    await basic_network(api)

    async def broken(*_: object, **__: object) -> None:
        raise RuntimeError("SELECT secret FROM positions -- must never reach a client")

    async with subscriptions(api.server, token=None) as ws:
        await ws.subscribe(STOCK_EVENTS)
        await asyncio.sleep(0.2)  # the subscription has read its baseline
        monkeypatch.setattr(api.server.resources.availability, "read", broken)
        await sync(api, "SNAPSHOT", update("A", "us-1", 4))
        event = await ws.next_data()
    assert event["errors"][0]["message"] == "Internal server error"
    assert "secret" not in str(event)
