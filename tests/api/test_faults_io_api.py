"""Fault probes (#26) at the edges: Redis frozen (SIGSTOP) for 20 s under subscriptions and rate limits, and a
webhook receiver down past the retry ladder's first steps. Real server processes, each probe on a database
(and a Redis) of its own; the figures they print (`pytest -s`) are the README's "Faults" paragraph."""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx

from tests.api.test_orders_api import CANCEL, order_input
from tests.backends import Backend
from tests.faults import PLACE, SKU, UNLIMITED, fresh_database, private_redis, stocked
from tests.harness import Client, Subscriptions, subscriptions
from tests.receiver import receiving
from tests.servers import free_port, server_process

FROZEN_SECONDS = 20.0  # the figure
ANSWER_WITHIN = 5.0  # no request waits longer on a frozen Redis
LIMITED = {"OMS_RATE_LIMIT_PER_MINUTE": "600", "OMS_RATE_LIMIT_BURST": "20"}  # 10/s: the probe's orders fit
FLOOD = 40  # anonymous requests at once, twice the burst: some must be refused, frozen Redis or not
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


async def _place(client: Client, key: str) -> tuple[str, float]:
    """(order id, seconds the answer took), which must come within ANSWER_WITHIN."""
    started = time.perf_counter()
    async with asyncio.timeout(ANSWER_WITHIN):
        placed = (await client.gql(PLACE, {"input": order_input(key=key, lines=[(SKU, 1)])}))["placeOrder"]
    return str(placed["order"]["id"]), time.perf_counter() - started


async def _flood(http: httpx.AsyncClient) -> Counter[str]:
    """FLOOD anonymous requests at once (one bucket: this address), each answered within ANSWER_WITHIN:
    how many were served ("ok") and refused ("THROTTLED", a 429)."""

    async def one() -> str:
        answer = await http.post("/graphql", json={"query": "{ __typename }"})
        if answer.status_code == 429:
            return str(answer.json()["errors"][0]["extensions"]["code"])
        return "ok" if answer.status_code == 200 and not answer.json().get("errors") else answer.text

    async with asyncio.timeout(ANSWER_WITHIN):
        return Counter(await asyncio.gather(*(one() for _ in range(FLOOD))))


async def _heard(ws: Subscriptions, order_id: str, within: float) -> bool:
    """Whether the subscription delivers an event of this order within `within` seconds (others skipped)."""
    try:
        async with asyncio.timeout(within):
            while True:
                event = (await ws.next_data(wait=within))["data"]["orderStatusChanged"]
                if event["orderId"] == order_id:
                    return True
    except TimeoutError:
        return False


async def test_a_frozen_redis_degrades_to_in_process_and_subscribers_hear_again_when_it_wakes(
    backend: Backend, tmp_path: Path
) -> None:
    async with fresh_database(backend, tmp_path) as probe, private_redis() as (redis_url, redis):
        with_redis = Backend(probe.name, probe.database_url, redis_url)
        settings = {**LIMITED, "OMS_PUBSUB_PREFIX": f"probe-{uuid.uuid4().hex[:8]}"}
        async with (
            server_process(with_redis, **settings) as one,
            server_process(with_redis, **settings) as two,
            httpx.AsyncClient(base_url=one.server.base_url) as http_one,
            httpx.AsyncClient(base_url=two.server.base_url) as http_two,
            subscriptions(one.server) as ws,
        ):
            at_one, at_two = Client(http_one), Client(http_two)
            await stocked(at_one, 1000)
            await ws.subscribe("subscription { orderStatusChanged { orderId type status } }")
            await asyncio.sleep(0.2)
            order_id, _ = await _place(at_two, "before")
            assert await _heard(ws, order_id, 5), "across replicas through Redis"
            assert (await _flood(http_two))["THROTTLED"] > 0, "the shared bucket limits before the freeze"

            redis.send_signal(signal.SIGSTOP)
            stopped = time.perf_counter()
            slowest, served, heard, readiness = 0.0, 0, 0, set()
            floods: list[Counter[str]] = []
            try:
                while time.perf_counter() - stopped < FROZEN_SECONDS:
                    floods.append(await _flood(http_one))  # over its limit: refused by the in-process bucket
                    order_id, took = await _place(at_one, f"frozen-{served}")
                    heard += await _heard(ws, order_id, ANSWER_WITHIN)  # this replica's own, in-process
                    _, took_two = await _place(at_two, f"frozen-two-{served}")
                    async with asyncio.timeout(ANSWER_WITHIN):
                        ready = await http_one.get("/health/ready")
                    readiness.add((ready.status_code, ready.json()["status"]))
                    slowest, served = max(slowest, took, took_two), served + 2
                    await asyncio.sleep(0.5)
            finally:
                redis.send_signal(signal.SIGCONT)
            woke = time.perf_counter()
            for attempt in range(40):  # a replica tries Redis again after its degraded window
                order_id, _ = await _place(at_two, f"after-{attempt}")
                if await _heard(ws, order_id, 0.5):
                    break
            else:
                raise AssertionError("subscribers on one replica never heard the other again")
            recovered = time.perf_counter() - woke
            print(
                f"\nRedis frozen {FROZEN_SECONDS:.0f} s: {served} orders served, slowest {slowest:.2f} s, "
                f"{heard}/{served // 2} heard in-process, readiness {sorted(readiness)}; "
                f"across replicas again {recovered:.2f} s after it woke; {len(floods)} anonymous floods of {FLOOD}: "
                f"{sum(f['THROTTLED'] for f in floods)} refused (429 THROTTLED), {sum(f['ok'] for f in floods)} served"
            )
            assert all(set(f) == {"ok", "THROTTLED"} for f in floods), floods  # each flood: some served, some not
            assert heard == served // 2
            assert slowest < ANSWER_WITHIN
            assert recovered < 10


async def test_a_webhook_receiver_down_then_up_gets_every_event_under_one_id(backend: Backend, tmp_path: Path) -> None:
    port = free_port()  # nobody listens there yet: deliveries are refused
    fast = {
        "OMS_WEBHOOK_ALLOW_PRIVATE": "1",
        "OMS_WEBHOOK_TIMEOUT_SECONDS": "1",
        "OMS_SCHEDULER_INTERVAL_SECONDS": "0.2",
        "OMS_WEBHOOK_RETRY_BASE_SECONDS": "0.2",  # the ladder: 0.2, 0.4, 0.8, 1.6, ... s
    }
    async with (
        fresh_database(backend, tmp_path) as probe,
        server_process(probe, OMS_RATE_LIMIT_PER_MINUTE=UNLIMITED, **fast) as running,
        httpx.AsyncClient(base_url=running.server.base_url) as http,
    ):
        client = Client(http)
        register = """mutation($url: String!, $secret: String!) { registerWebhook(input: {url: $url,
            events: ["order.*"], secret: $secret}) { userErrors { code } } }"""
        url = f"http://127.0.0.1:{port}/hooks"
        assert (await client.gql(register, {"url": url, "secret": SECRET}))["registerWebhook"]["userErrors"] == []
        await stocked(client, 100)
        orders = [(await _place(client, f"hook-{i}"))[0] for i in range(10)]
        for order_id in orders[:5]:
            assert (await client.gql(CANCEL, {"id": order_id}))["cancelOrder"]["userErrors"] == []
        await asyncio.sleep(3.5)  # down past the ladder's first three steps (0.2 + 0.4 + 0.8 s)
        refused = await _deliveries(client)
        assert refused and all(d["status"] == "PENDING" and d["attempts"] >= 3 for d in refused), refused
        async with receiving(port=port) as hook:
            up = time.perf_counter()
            async with asyncio.timeout(30):
                while any(d["status"] != "DELIVERED" for d in await _deliveries(client)):  # noqa: ASYNC110
                    await asyncio.sleep(0.1)
            drained = time.perf_counter() - up
            received = list(hook.received)
        delivered = {d["eventId"] for d in await _deliveries(client)}
    bodies: dict[str, set[str]] = defaultdict(set)
    for arrival in received:
        bodies[arrival.headers["webhook-id"]].add(arrival.body)
    assert set(bodies) == delivered, "every event delivered, under its event id"
    assert all(len(b) == 1 for b in bodies.values()), "a retry sends the same body"
    seen: dict[str, str] = {}
    for event_id, body in ((i, next(iter(b))) for i, b in bodies.items()):
        payload = json.loads(body)
        identity = json.dumps([payload["type"], payload["data"]], sort_keys=True)
        assert seen.setdefault(identity, event_id) == event_id, "one event sent twice under two ids"
    assert {_order_of(json.loads(next(iter(b)))) for b in bodies.values()} == set(orders)
    out_of_order = _out_of_order(received)
    print(
        f"\nreceiver down 3.5 s: {len(refused)} deliveries refused up to {max(d['attempts'] for d in refused)} "
        f"times; {len(bodies)} events ({len(received)} arrivals) delivered {drained:.2f} s after it came up; "
        f"{out_of_order} of {len(orders)} orders' events arrived out of creation order"
    )


def _order_of(payload: dict[str, Any]) -> str:
    data = payload["data"]
    return str(data.get("orderId") or data.get("order", {}).get("id") or data.get("id"))


def _out_of_order(received: list[Any]) -> int:
    """Orders whose events first arrived in another order than they were created (the contract promises
    at-least-once delivery, not order: the probe reports it)."""
    firsts: dict[str, dict[str, Any]] = {}
    for arrival in received:
        firsts.setdefault(arrival.headers["webhook-id"], json.loads(arrival.body))
    by_order: dict[str, list[str]] = defaultdict(list)
    for payload in firsts.values():
        by_order[_order_of(payload)].append(payload["timestamp"])
    return sum(1 for stamps in by_order.values() if stamps != sorted(stamps))


async def _deliveries(client: Client) -> list[dict[str, Any]]:
    query = "query { webhookDeliveries(first: 100) { edges { node { eventId status attempts eventType } } } }"
    return [e["node"] for e in (await client.gql(query))["webhookDeliveries"]["edges"]]


async def test_replicas_start_without_redis_serve_and_join_each_other_once_it_answers(
    backend: Backend, tmp_path: Path
) -> None:
    port = free_port()  # nothing listens there yet
    async with fresh_database(backend, tmp_path) as probe:
        absent = Backend(probe.name, probe.database_url, f"redis://127.0.0.1:{port}/0")
        settings = {"OMS_RATE_LIMIT_BURST": "100000", "OMS_PUBSUB_PREFIX": f"probe-{uuid.uuid4().hex[:8]}"}
        async with (
            server_process(absent, OMS_RATE_LIMIT_PER_MINUTE="600000", **settings) as one,
            server_process(absent, OMS_RATE_LIMIT_PER_MINUTE="600000", **settings) as two,
            httpx.AsyncClient(base_url=one.server.base_url) as http_one,
            httpx.AsyncClient(base_url=two.server.base_url) as http_two,
            subscriptions(one.server) as ws,
        ):
            at_one, at_two = Client(http_one), Client(http_two)
            ready = await http_one.get("/health/ready")
            assert (ready.status_code, ready.json()["status"]) == (200, "degraded"), ready.json()
            await stocked(at_one, 100)
            await ws.subscribe("subscription { orderStatusChanged { orderId type status } }")
            await asyncio.sleep(0.2)
            order_id, _ = await _place(at_one, "alone")
            assert await _heard(ws, order_id, ANSWER_WITHIN), "its own replica's events, in-process"
            async with private_redis(port):
                started = time.perf_counter()
                for attempt in range(40):
                    order_id, _ = await _place(at_two, f"joined-{attempt}")
                    if await _heard(ws, order_id, 0.5):
                        break
                else:
                    raise AssertionError("the replicas never heard each other once Redis answered")
                joined = time.perf_counter() - started
                ready = await http_one.get("/health/ready")
            print(f"\nstarted without Redis; across replicas {joined:.2f} s after it answered")
            assert (ready.status_code, ready.json()["status"]) == (200, "ok"), ready.json()
            assert joined < 10
