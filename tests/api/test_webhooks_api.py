"""Webhooks: Standard Webhooks signatures, retries with backoff, 410, replay, URL checks, order payloads."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from standardwebhooks import Webhook

from tests.api.network import location, sync, update, upsert_locations
from tests.api.test_orders_api import PLACE, order_input
from tests.backends import Backend, settings_for
from tests.harness import Api, serve
from tests.receiver import receiving

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
REGISTER = """mutation($input: WebhookInput!) { registerWebhook(input: $input) {
  webhook { id url events active } userErrors { field code message } } }"""
DELIVERIES = """query($status: WebhookDeliveryStatus) { webhookDeliveries(status: $status) {
  edges { node { id eventType status attempts lastStatusCode webhookId } } pageInfo { hasNextPage } } }"""


async def register(api: Api, url: str, events: list[str]) -> dict[str, Any]:
    data = await api.gql(REGISTER, {"input": {"url": url, "events": events, "secret": SECRET}})
    return dict(data["registerWebhook"])


async def shop(api: Api) -> None:
    await upsert_locations(api, location("s1", name="Downtown store"))
    items = [{"sku": "A", "category": "c"}, {"sku": "B", "category": "c"}]
    await api.gql("mutation($i: [ItemInput!]!) { upsertItems(input: $i) { count } }", {"i": items})
    await api.gql(
        'mutation { upsertProductRelations(input: [{sku: "A", relatedSku: "B", kind: "ACCESSORY"}]) { count } }'
    )
    await sync(api, "SNAPSHOT", update("A", "s1", 5), update("B", "s1", 5))


async def test_an_order_created_webhook_is_signed_and_carries_email_recommendations(api: Api) -> None:
    await shop(api)
    async with receiving() as hook:
        assert (await register(api, hook.url, ["order.*"]))["userErrors"] == []
        order = (await api.gql(PLACE, {"input": order_input(lines=[("A", 1)])}))["placeOrder"]["order"]
        (got,) = await hook.wait_for(1)
    payload = Webhook(SECRET).verify(got.body, got.headers)  # raises unless the signature is right
    assert payload["type"] == "order.created"
    assert payload["data"]["order"]["id"] == order["id"]
    assert got.headers["webhook-id"].startswith("evt_")
    recs = payload["data"]["recommendations"]
    assert [(r["sku"], r["fulfillmentId"]) for r in recs] == [("B", order["fulfillments"][0]["id"])]


async def test_a_failing_endpoint_is_retried_until_it_answers(api: Api) -> None:
    await shop(api)
    async with receiving([500, 500, 500]) as hook:
        await register(api, hook.url, ["inventory.changed"])
        await sync(api, "SNAPSHOT", update("A", "s1", 9))
        attempts = await hook.wait_for(4)
    assert len({a.headers["webhook-id"] for a in attempts}) == 1, "the same webhook-id on every retry"
    deliveries = (await api.gql(DELIVERIES, {"status": "DELIVERED"}))["webhookDeliveries"]["edges"]
    assert [(d["node"]["attempts"], d["node"]["lastStatusCode"]) for d in deliveries] == [(4, 200)]


async def test_gone_disables_the_endpoint_and_failed_deliveries_can_be_replayed(api: Api) -> None:
    await shop(api)
    async with receiving([410]) as hook:
        created = await register(api, hook.url, ["*"])
        await sync(api, "SNAPSHOT", update("A", "s1", 7))
        await hook.wait_for(1)
        for _ in range(50):
            failed = (await api.gql(DELIVERIES, {"status": "FAILED"}))["webhookDeliveries"]["edges"]
            if failed:
                break
            await asyncio.sleep(0.05)
        assert failed[0]["node"]["lastStatusCode"] == 410
        listed = (await api.gql("{ webhooks { id active disabledReason } }"))["webhooks"]
        assert listed == [
            {"id": created["webhook"]["id"], "active": False, "disabledReason": "410 Gone from the endpoint"}
        ]
        replayed = await api.gql("mutation { replayWebhookDeliveries { replayed } }")
        assert replayed["replayWebhookDeliveries"]["replayed"] == 1


async def test_endpoints_and_event_types_are_checked(api: Api) -> None:
    bad = [
        ({"url": "ftp://example.com/x", "events": ["*"], "secret": SECRET}, ["input", "url"]),
        ({"url": "https://example.com/x", "events": ["order.exploded"], "secret": SECRET}, ["input", "events"]),
        ({"url": "https://example.com/x", "events": ["*"], "secret": "short"}, ["input", "secret"]),
    ]
    for payload, field in bad:
        result = (await api.gql(REGISTER, {"input": payload}))["registerWebhook"]
        assert result["webhook"] is None and result["userErrors"][0]["field"] == field


async def test_private_addresses_are_refused_unless_allowed(api: Api, backend: Backend) -> None:
    strict = settings_for(backend, webhook_allow_private=False)
    async with serve(strict) as other, httpx.AsyncClient(base_url=other.base_url) as client:
        result = await Api(other, client).gql(
            REGISTER, {"input": {"url": "http://127.0.0.1:9/x", "events": ["*"], "secret": SECRET}}
        )
    errors = result["registerWebhook"]["userErrors"]
    assert errors[0]["field"] == ["input", "url"] and "internal address" in errors[0]["message"]


async def test_events_of_a_rolled_back_command_are_never_sent(api: Api) -> None:
    await shop(api)
    async with receiving() as hook:
        await register(api, hook.url, ["*"])
        refused = await api.gql(PLACE, {"input": order_input(lines=[("A", 99)])})
        assert refused["placeOrder"]["userErrors"][0]["code"] == "INSUFFICIENT_STOCK"
        await sync(api, "SNAPSHOT", update("B", "s1", 1))
        (got,) = await hook.wait_for(1)
    assert json.loads(got.body)["type"] == "inventory.changed"


async def test_an_endpoint_is_not_sent_what_happened_before_it_was_registered(api: Api) -> None:
    scheduler = api.server.resources.scheduler
    await scheduler.stop()  # the relay waits: the first sync's event is still to be fanned out
    try:
        await shop(api)
        async with receiving([]) as hook:
            await register(api, hook.url, ["inventory.changed"])
            await sync(api, "SNAPSHOT", update("A", "s1", 9))
            scheduler.start()
            [attempt] = await hook.wait_for(1)
            await asyncio.sleep(0.5)  # long enough for a second event to arrive, were it sent
            assert len(hook.received) == 1
    finally:
        if scheduler._task is None:  # started again when the test failed before doing so
            scheduler.start()
    assert json.loads(attempt.body)["data"]["skus"] == ["A"]  # the second sync's, not the first's ["A", "B"]
