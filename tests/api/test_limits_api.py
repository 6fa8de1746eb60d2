"""The router boundary and abuse limits, on servers started with small limits.

Each of these servers has its own SQLite file (and the backend's Redis, for
the shared rate-limit bucket), so its background jobs never meet the shared
test server's database while other tests wipe it.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from app.config import Settings
from domain.access import Role
from tests.api.principals import token_for
from tests.backends import Backend, settings_for
from tests.harness import ADMIN_TOKEN, Client, RunningServer, serve, subscriptions

ORDERS = "query($n: Int) { orders(first: $n) { edges { node { id } } } }"


def own_settings(backend: Backend, folder: Path, **overrides: object) -> Settings:
    database = f"sqlite+aiosqlite:///{folder / f'{uuid.uuid4().hex}.db'}"
    return settings_for(backend, database_url=database, scheduler_interval_seconds=3600.0, **overrides)


@pytest.fixture(scope="module")
async def limited(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningServer]:
    settings = own_settings(
        backend,
        tmp_path_factory.mktemp("limited"),
        max_depth=4,
        max_aliases=2,
        max_tokens=200,
        max_cost=100,
        max_cost_anonymous=10,
        max_body_bytes=4000,
        ws_max_subscriptions=2,
        ws_init_timeout_seconds=0.5,
        ws_allowed_origins=("https://shop.example",),
    )
    async with serve(settings) as running:
        yield running


@pytest.fixture
async def client(limited: RunningServer) -> AsyncIterator[Client]:
    async with httpx.AsyncClient(base_url=limited.base_url, timeout=30) as http:
        yield Client(http)


def code_of(body: dict[str, object]) -> object:
    errors = body["errors"]
    assert isinstance(errors, list)
    return errors[0].get("extensions", {}).get("code")


async def test_depth_aliases_and_tokens_are_limited(client: Client) -> None:
    deep = await client.raw("{ orders { edges { node { fulfillments { location { id } } } } } }")
    assert "exceeds maximum operation depth of 4" in deep["errors"][0]["message"]
    aliases = await client.raw("{ a: locations { id } b: locations { id } c: locations { id } }", token=None)
    assert "aliases" in aliases["errors"][0]["message"]
    tokens = await client.raw("{ " + " ".join(f"x{i}: __typename" for i in range(120)) + " }", token=None)
    assert "more than 200 tokens" in tokens["errors"][0]["message"]
    assert isinstance((await client.gql("{ a: locations { id } }", token=None))["a"], list)


async def test_cost_counts_first_from_variables_and_is_reported_when_refused(client: Client) -> None:
    assert (await client.gql(ORDERS, {"n": 2}))["orders"]["edges"] == []
    refused = await client.raw(ORDERS, {"n": 100})
    error = refused["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert error["extensions"]["cost"] == {"requested": 400, "maximum": 100}
    assert refused["extensions"]["cost"] == {"requested": 400, "maximum": 100}
    assert (await client.gql(ORDERS, {"n": 1}))["orders"]["edges"] == []  # same document, other variables
    over = await client.raw(ORDERS, {"n": 101})
    assert code_of(over) == "BAD_REQUEST"


async def test_anonymous_callers_have_a_lower_cost_limit_decided_per_request(client: Client) -> None:
    query = "{ locations { id name type markets active } }"  # 5 x (1 + 5) = 30
    assert isinstance((await client.gql(query))["locations"], list)
    refused = await client.raw(query, token=None)
    assert refused["errors"][0]["extensions"]["cost"] == {"requested": 30, "maximum": 10}
    assert isinstance((await client.gql(query))["locations"], list)  # the refusal was not cached for others


async def test_a_subscription_over_the_cost_limit_is_refused_as_it_starts(limited: RunningServer) -> None:
    cheap = 'subscription { availabilityChanged(skus: ["A"], channel: "web", market: "US") { sku atp } }'
    costly = """subscription { availabilityChanged(skus: ["A"], channel: "web", market: "US") {
      locations { location { id name markets } atp } } }"""  # 2 + 5 x (1 + 1 + 5 x 3 + 1) = 92 > 10
    async with subscriptions(limited, token=None) as subs:
        await subs.subscribe(cheap)
        await subs.subscribe(costly)
        refused = await subs.receive()
    assert (refused["id"], refused["type"]) == ("2", "next")
    error = refused["payload"]["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST" and error["extensions"]["cost"]["maximum"] == 10


async def test_bodies_are_capped_and_batches_refused(client: Client) -> None:
    big = await client.http.post("/graphql", json={"query": "{ __typename }", "variables": {"pad": "x" * 5000}})
    assert big.status_code == 413
    assert big.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    batch = await client.http.post("/graphql", json=[{"query": "{ __typename }"}, {"query": "{ __typename }"}])
    assert batch.status_code == 400


async def test_websockets_check_origins_cap_operations_and_need_a_prompt_init(limited: RunningServer) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(limited.ws_url, subprotocols=["graphql-transport-ws"], origin="https://evil.example"):  # type: ignore[list-item, arg-type]
            pass
    assert refused.value.response.status_code == 403
    async with connect(limited.ws_url, subprotocols=["graphql-transport-ws"], origin="https://shop.example") as ws:  # type: ignore[list-item, arg-type]
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)  # no connection_init: closed after 0.5 s
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408
    async with subscriptions(limited) as subs:
        for _ in range(2):
            await subs.subscribe(
                'subscription { availabilityChanged(skus: ["A"], channel: "web", market: "US") { sku } }'
            )
        await subs.subscribe('subscription { availabilityChanged(skus: ["B"], channel: "web", market: "US") { sku } }')
        message = await subs.receive()
        assert message["type"] == "error" and "limit" in json.dumps(message["payload"])


async def test_a_websocket_message_over_the_body_cap_closes_the_connection(limited: RunningServer) -> None:
    async with connect(limited.ws_url, subprotocols=["graphql-transport-ws"], origin="https://shop.example") as ws:  # type: ignore[list-item, arg-type]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {ADMIN_TOKEN}"}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"
        padded = 'subscription { availabilityChanged(skus: ["A"], channel: "web", market: "US") { sku } }'
        message = {"id": "1", "type": "subscribe", "payload": {"query": padded, "variables": {"pad": "x" * 5000}}}
        await ws.send(json.dumps(message))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009  # the limited server caps at 4000


async def test_the_router_secret_guards_every_request_and_the_user_token_still_counts(
    backend: Backend, tmp_path: Path
) -> None:
    async with serve(own_settings(backend, tmp_path, router_secret="r0uter")) as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
            api = Client(http)
            for headers in ({}, {"router-authorization": "wrong"}):
                response = await http.post("/graphql", json={"query": "{ _service { sdl } }"}, headers=headers)
                assert response.status_code == 403
                assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
            http.headers["router-authorization"] = "r0uter"
            assert "type Order" in (await api.gql("{ _service { sdl } }", token=None))["_service"]["sdl"]
            anonymous = await api.raw("{ orders { edges { node { id } } } }", token=None)
            assert code_of(anonymous) == "UNAUTHENTICATED"
            assert (await api.gql("{ orders { edges { node { id } } } }", token=ADMIN_TOKEN))["orders"]
        with pytest.raises(ConnectionClosed) as rejected:
            async with subscriptions(server):
                pass
        assert rejected.value.rcvd is not None and rejected.value.rcvd.code == 4403
        async with connect(server.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            init = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Router-Authorization": "r0uter"}
            await ws.send(json.dumps({"type": "connection_init", "payload": init}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"


async def test_metrics_need_the_metrics_token_when_one_is_set(backend: Backend, tmp_path: Path) -> None:
    async with (
        serve(own_settings(backend, tmp_path, metrics_token="m3trics")) as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=30) as http,
    ):
        for headers in ({}, {"authorization": "Bearer wrong"}):
            assert (await http.get("/metrics", headers=headers)).status_code == 401
        scraped = await http.get("/metrics", headers={"authorization": "Bearer m3trics"})
        assert scraped.status_code == 200 and "oms_" in scraped.text


async def test_each_caller_has_its_own_rate_limit_bucket(backend: Backend, tmp_path: Path) -> None:
    async with (
        serve(own_settings(backend, tmp_path, rate_limit_per_minute=6, rate_limit_burst=3)) as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=30) as http,
    ):
        api = Client(http)
        agent = await token_for(server, Role.AGENT)
        statuses = [(await api.post("{ __typename }", token=agent)).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        throttled = await api.post("{ __typename }", token=agent)
        assert throttled.json()["errors"][0]["extensions"]["code"] == "THROTTLED"
        assert 1 <= throttled.json()["errors"][0]["extensions"]["retryAfter"] <= 10
        assert int(throttled.headers["retry-after"]) >= 1
        assert (await api.post("{ __typename }", token=ADMIN_TOKEN)).status_code == 200  # another bucket
        csv = await http.get(  # the CSV report draws on the same bucket as /graphql
            "/reports/operations.csv",
            params={"from": "2026-05-01T00:00:00Z", "to": "2026-05-02T00:00:00Z", "granularity": "DAY"},
            headers={"authorization": f"Bearer {agent}"},
        )
        assert csv.status_code == 429 and csv.json()["errors"][0]["extensions"]["code"] == "THROTTLED", csv.text
        async with subscriptions(server, token=await token_for(server, Role.AGENT)) as ws:
            for n in range(4):
                await ws.subscribe(
                    f'subscription {{ availabilityChanged(skus: ["{n}"], channel: "web", market: "US") {{ sku }} }}'
                )
            message = await ws.receive()
            assert "THROTTLED" in json.dumps(message), message  # operations on a WebSocket count too


async def test_production_hides_introspection_suggestions_and_graphiql(backend: Backend, tmp_path: Path) -> None:
    async with (
        serve(own_settings(backend, tmp_path, env="production")) as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=30) as http,
    ):
        api = Client(http)
        introspection = await api.raw("{ __schema { types { name } } }", token=None)
        assert "introspection" in introspection["errors"][0]["message"].lower()
        typo = await api.raw("{ locations { idd } }", token=None)
        assert "Cannot query field 'idd'" in typo["errors"][0]["message"]
        assert "Did you mean" not in typo["errors"][0]["message"]
        assert "type Location" in (await api.gql("{ _service { sdl } }", token=None))["_service"]["sdl"]
        page = await http.get("/graphql", headers={"accept": "text/html"})
        assert "graphiql" not in page.text.lower()
