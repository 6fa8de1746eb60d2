"""Subscriptions with real clients: npm graphql-ws and Python gql straight to us, graphql-ws through Hive Gateway.

A client is known to be listening when our server's pub/sub hub counts its
listener (the server runs in this process), so no test sleeps and hopes.
Through Hive the events carry `Product.name`, which only the catalog
subgraph knows: Hive resolves it per event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncGenerator, Callable
from datetime import UTC, datetime
from typing import Any, cast

from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport

from app.services.inventory import AVAILABILITY_TOPIC
from app.services.order_events import ORDERS_TOPIC
from tests.e2e import processes
from tests.e2e.conftest import Stack
from tests.harness import ADMIN_TOKEN

EVENT_SECONDS = 60.0

ORDER_EVENTS = "subscription($id: ID) { orderStatusChanged(orderId: $id) { orderId type status } }"
STOCK_EVENTS = """
subscription($sku: String!) {
  availabilityChanged(skus: [$sku], channel: "web", market: "US") { sku atp product { name price } }
}"""
PLACE = """
mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id status } userErrors { code message } } }"""
CANCEL = """
mutation($id: ID!) { cancelOrder(id: $id, reason: "changed my mind") { order { status } userErrors { message } } }"""
SYNC = """
mutation($input: InventorySyncInput!) { syncInventory(input: $input) { applied userErrors { message } } }"""
ATP = 'query($sku: String!) { availability(skus: [$sku], channel: "web", market: "US") { atp } }'
NAME = "query($sku: String!) { catalogProducts(skus: [$sku]) { name price } }"


async def ours(stack: Stack, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    return await stack.direct(stack.oms.base_url + "/graphql", query, variables, token=ADMIN_TOKEN)


async def place(stack: Stack, sku: str) -> str:
    order = {
        "idempotencyKey": f"e2e-sub-{uuid.uuid4().hex}",
        "channel": "web",
        "market": "US",
        "customer": {"id": "subscriber"},
        "lines": [{"sku": sku, "quantity": 1, "unitPrice": 9.5}],
        "delivery": {"method": "SHIP", "destination": {"geo": {"lat": 40.73, "lon": -73.99}}},
    }
    placed = (await ours(stack, PLACE, {"input": order}))["placeOrder"]
    assert placed["userErrors"] == [] and placed["order"]["status"] == "ALLOCATED", placed
    return str(placed["order"]["id"])


async def cancel(stack: Stack, order_id: str) -> None:
    result = (await ours(stack, CANCEL, {"id": order_id}))["cancelOrder"]
    assert result["userErrors"] == [] and result["order"]["status"] == "CANCELLED", result


async def restock(stack: Stack, sku: str) -> None:
    """One more unit at the New Jersey DC: a change every availability subscriber of the SKU must see."""
    update = {
        "sku": sku,
        "locationId": "dc-nj",
        "quantity": 1,
        "asOf": datetime.now(UTC).isoformat(),
        "eventId": uuid.uuid4().hex,
    }
    synced = await ours(stack, SYNC, {"input": {"source": "e2e", "mode": "DELTA", "updates": [update]}})
    assert synced["syncInventory"] == {"applied": 1, "userErrors": []}


async def listening(stack: Stack, topic: str, count: int = 1) -> None:
    """Wait until our server's hub has `count` listeners on a topic (a subscription reached us)."""
    hub = stack.oms.resources.broker.hub
    await until(lambda: hub.listeners(topic) >= count)


async def quiet(stack: Stack, *topics: str) -> None:
    """Wait until earlier tests' subscriptions have ended on our side, so listener counts start at zero."""
    hub = stack.oms.resources.broker.hub
    await until(lambda: not any(hub.listeners(t) for t in topics))


async def until(condition: Callable[[], bool]) -> None:
    """Poll a condition on our in-process server (the hub has no event for a new listener)."""
    async with asyncio.timeout(EVENT_SECONDS):
        while True:
            if condition():
                return
            await asyncio.sleep(0.02)


async def graphql_ws(
    url: str, query: str, variables: dict[str, Any], count: int = 1, token: str | None = None
) -> processes.NodeProcess:
    """The npm graphql-ws client in its own Node process (e2e/subscribe.mjs)."""
    return await processes.start(
        "graphql-ws",
        "subscribe.mjs",
        f"--url={url}",
        f"--query={query}",
        f"--variables={json.dumps(variables)}",
        f"--count={count}",
        f"--timeout={EVENT_SECONDS + 30}",
        *([f"--token={token}"] if token else []),
    )


async def next_event(client: processes.NodeProcess, seconds: float = EVENT_SECONDS) -> dict[str, Any]:
    """The next `next` payload the client printed; a client error fails the test with its output."""
    while True:
        line = await client.next_line(seconds)
        if not line:
            raise AssertionError(f"the client exited without an event\n{client.log()}")
        if line.startswith("{"):
            message = json.loads(line)
            assert "next" in message, client.log()
            return dict(message["next"])


async def test_npm_graphql_ws_client_sees_an_order_cancelled(stack: Stack) -> None:
    await quiet(stack, ORDERS_TOPIC)
    order_id = await place(stack, "SKU-00021")
    client = await graphql_ws(stack.oms.ws_url, ORDER_EVENTS, {"id": order_id})
    try:
        await listening(stack, ORDERS_TOPIC)
        await cancel(stack, order_id)
        event = await next_event(client)
        assert event == {
            "data": {"orderStatusChanged": {"orderId": order_id, "type": "order.status_changed", "status": "CANCELLED"}}
        }
    finally:
        await client.stop()


async def test_python_gql_client_follows_every_order_with_a_staff_token(stack: Stack) -> None:
    await quiet(stack, ORDERS_TOPIC)
    transport = WebsocketsTransport(url=stack.oms.ws_url, init_payload={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    async with Client(transport=transport) as session:
        request = GraphQLRequest(ORDER_EVENTS, variable_values={"id": None})  # all orders: staff only
        events = cast(AsyncGenerator[dict[str, Any], None], session.subscribe(request))
        async with contextlib.aclosing(events):  # else gql waits 10 s on close
            first = asyncio.ensure_future(anext(events))
            await listening(stack, ORDERS_TOPIC)
            order_id = await place(stack, "SKU-00022")
            created = await asyncio.wait_for(first, EVENT_SECONDS)
            assert created["orderStatusChanged"] == {
                "orderId": order_id,
                "type": "order.created",
                "status": "ALLOCATED",
            }
            await cancel(stack, order_id)
            cancelled = await asyncio.wait_for(anext(events), EVENT_SECONDS)
            assert cancelled["orderStatusChanged"]["status"] == "CANCELLED"


async def test_graphql_ws_through_hive_gets_order_status_and_stock_events_with_catalog_names(stack: Stack) -> None:
    sku = "SKU-00023"
    await quiet(stack, ORDERS_TOPIC, AVAILABILITY_TOPIC)
    order_id = await place(stack, sku)
    hive = stack.gateways["hive"].replace("http://", "ws://")
    orders = await graphql_ws(hive, ORDER_EVENTS, {"id": order_id})
    stock = await graphql_ws(hive, STOCK_EVENTS, {"sku": sku}, count=10)
    try:
        await listening(stack, ORDERS_TOPIC)
        await listening(stack, AVAILABILITY_TOPIC)
        await cancel(stack, order_id)
        event = await next_event(orders)
        assert event["data"]["orderStatusChanged"] == {
            "orderId": order_id,
            "type": "order.status_changed",
            "status": "CANCELLED",
        }
        catalog = (await stack.direct(stack.catalog_url, NAME, {"sku": sku}))["catalogProducts"][0]
        for _ in range(5):
            # The cancel released a unit; a subscription still reading its baseline then saw no change,
            # so restock until an event arrives carrying the ATP our subgraph reports now.
            expected = (await ours(stack, ATP, {"sku": sku}))["availability"][0]["atp"]
            try:
                changed = (await next_event(stock, 10))["data"]["availabilityChanged"]
            except TimeoutError:
                await restock(stack, sku)
                continue
            if changed["atp"] == expected:
                break
        else:
            raise AssertionError(f"no availability event with the current ATP\n{stock.log()}")
        assert changed == {"sku": sku, "atp": expected, "product": catalog}
    finally:
        await orders.stop()
        await stock.stop()


async def test_staff_follow_every_order_through_hive_with_their_token_and_anonymous_clients_may_not(
    stack: Stack,
) -> None:
    await quiet(stack, ORDERS_TOPIC)
    hive = stack.gateways["hive"].replace("http://", "ws://")
    anonymous = await graphql_ws(hive, ORDER_EVENTS, {"id": None})
    try:
        line = ""
        while not line.startswith("{"):
            line = await anonymous.next_line(EVENT_SECONDS)
            assert line, f"the client exited silently\n{anonymous.log()}"
        refused = json.loads(line)["next"]
        assert refused.get("data") is None, anonymous.log()
        assert [e["extensions"]["code"] for e in refused["errors"]] == ["UNAUTHENTICATED"], anonymous.log()
    finally:
        await anonymous.stop()
    staff = await graphql_ws(hive, ORDER_EVENTS, {"id": None}, count=2, token=ADMIN_TOKEN)
    try:
        await listening(stack, ORDERS_TOPIC)
        order_id = await place(stack, "SKU-00024")
        created = await next_event(staff)
        assert created["data"]["orderStatusChanged"] == {
            "orderId": order_id,
            "type": "order.created",
            "status": "ALLOCATED",
        }
    finally:
        await staff.stop()
