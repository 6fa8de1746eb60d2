"""Crash safety of the outbox: a server killed between commit and delivery still delivers after restart."""

from __future__ import annotations

import signal

import httpx

from tests.api.network import location, sync, update, upsert_locations
from tests.api.test_orders_api import PLACE, order_input
from tests.backends import Backend
from tests.harness import Api, Client
from tests.receiver import HANG, receiving
from tests.servers import server_process

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
# A 1 s delivery timeout makes a 3 s lease: a killed server's claim expires quickly.
FAST_RELAY = {
    "OMS_WEBHOOK_ALLOW_PRIVATE": "1",
    "OMS_WEBHOOK_TIMEOUT_SECONDS": "1",
    "OMS_SCHEDULER_INTERVAL_SECONDS": "0.2",
}


async def test_an_event_committed_before_a_crash_is_delivered_after_restart(api: Api, backend: Backend) -> None:
    await api.server.resources.scheduler.stop()  # only the processes under test deliver
    try:
        async with receiving([HANG]) as hook:
            async with (
                server_process(backend, **FAST_RELAY) as running,
                httpx.AsyncClient(base_url=running.server.base_url) as http,
            ):
                client = Client(http)
                register = """mutation($url: String!, $secret: String!) { registerWebhook(input: {url: $url,
                    events: ["order.created"], secret: $secret}) { userErrors { code } } }"""
                assert (await client.gql(register, {"url": hook.url, "secret": SECRET}))["registerWebhook"] == {
                    "userErrors": []
                }
                await upsert_locations(client, location("s1"))
                await client.gql('mutation { upsertItems(input: [{sku: "A", category: "c"}]) { count } }')
                await sync(client, "SNAPSHOT", update("A", "s1", 5))
                placed = (await client.gql(PLACE, {"input": order_input(lines=[("A", 1)])}))["placeOrder"]
                await hook.wait_for(1)  # the first attempt is in flight: the receiver never answers it
                running.process.send_signal(signal.SIGKILL)
                await running.process.wait()
            async with server_process(backend, **FAST_RELAY):  # a new process on the same database
                received = await hook.wait_for(2, seconds=30)
    finally:
        api.server.resources.scheduler.start()
    first, second = received[0], received[1]
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert placed["order"]["id"] in second.body
    deliveries = """query { webhookDeliveries(first: 10) { edges { node { status eventType } } } }"""
    nodes = [e["node"] for e in (await api.gql(deliveries))["webhookDeliveries"]["edges"]]
    assert nodes == [{"status": "DELIVERED", "eventType": "order.created"}]
