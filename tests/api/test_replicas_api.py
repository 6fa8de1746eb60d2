"""Two server processes on one PostgreSQL and Redis: events cross replicas."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.api.network import location, sync, update, upsert_locations
from tests.api.test_orders_api import PLACE, order_input
from tests.backends import Backend
from tests.harness import ADMIN_TOKEN, Api, Client, RemoteServer, subscriptions

ROOT = Path(__file__).resolve().parents[2]


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def replica(backend: Backend, prefix: str) -> AsyncIterator[RemoteServer]:
    """`uvicorn app.asgi:app` in its own process, as deployments run it."""
    port = _port()
    env = {
        **os.environ,
        "DATABASE_URL": backend.database_url,
        "REDIS_URL": backend.redis_url or "",
        "OMS_ADMIN_TOKEN": ADMIN_TOKEN,
        "OMS_PUBSUB_PREFIX": prefix,
        "OMS_LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "uvicorn",
        "app.asgi:app",
        "--port",
        str(port),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"http://127.0.0.1:{port}/health/ready")).status_code == 200:
                        break
                await asyncio.sleep(0.05)
            else:
                raise RuntimeError("replica did not become ready")
        yield RemoteServer(f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/graphql")
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 10)


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
