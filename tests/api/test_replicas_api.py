"""Two server processes on one PostgreSQL and Redis: events cross replicas."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.network import location, sync, update, upsert_locations
from tests.api.test_orders_api import PLACE, order_input
from tests.backends import Backend
from tests.harness import Api, Client, RemoteServer, subscriptions
from tests.servers import server_process


@contextlib.asynccontextmanager
async def replica(backend: Backend, prefix: str) -> AsyncIterator[RemoteServer]:
    """One more server process on the same database and Redis channel prefix."""
    async with server_process(backend, OMS_PUBSUB_PREFIX=prefix) as running:
        yield running.server


@pytest.mark.backends("postgres")
async def test_an_order_placed_on_one_replica_reaches_a_subscriber_on_the_other(api: Api, backend: Backend) -> None:
    prefix = f"oms-replicas-{uuid.uuid4().hex[:8]}"
    async with (
        replica(backend, prefix) as one,
        replica(backend, prefix) as two,
        httpx.AsyncClient(base_url=one.base_url) as client,
    ):
        first = Client(client)
        await upsert_locations(first, location("s1"))
        await first.gql('mutation { upsertItems(input: [{sku: "A", category: "c"}]) { count } }')
        await sync(first, "SNAPSHOT", update("A", "s1", 5))
        async with subscriptions(two) as ws:
            await ws.subscribe("subscription { orderStatusChanged { orderId type status } }")
            await ws.subscribe(
                'subscription { availabilityChanged(skus: ["A"], channel: "web", market: "US") { sku atp } }'
            )
            await asyncio.sleep(0.3)
            placed = (await first.gql(PLACE, {"input": order_input(lines=[("A", 2)])}))["placeOrder"]["order"]
            received = [(await ws.next_data(wait=10))["data"] for _ in range(2)]
    events = {next(iter(r)): r[next(iter(r))] for r in received}
    assert events["orderStatusChanged"] == {"orderId": placed["id"], "type": "order.created", "status": "ALLOCATED"}
    assert events["availabilityChanged"] == {"sku": "A", "atp": 3}
