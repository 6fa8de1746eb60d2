"""Crash safety of the outbox: a server killed between commit and delivery still delivers after restart."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from tests.api.network import location, sync, update, upsert_locations
from tests.api.test_orders_api import PLACE, order_input
from tests.api.test_replicas_api import _port
from tests.backends import Backend
from tests.harness import ADMIN_TOKEN, Api, Client
from tests.receiver import HANG, receiving

ROOT = Path(__file__).resolve().parents[2]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@contextlib.asynccontextmanager
async def server_process(backend: Backend) -> AsyncIterator[tuple[asyncio.subprocess.Process, str]]:
    """`uvicorn app.asgi:app` as deployments run it, with a 1 s delivery timeout (so a 3 s lease)."""
    port = _port()
    env = {
        **os.environ,
        "DATABASE_URL": backend.database_url,
        "REDIS_URL": backend.redis_url or "",
        "OMS_ADMIN_TOKEN": ADMIN_TOKEN,
        "OMS_LOG_LEVEL": "WARNING",
        "OMS_WEBHOOK_ALLOW_PRIVATE": "1",
        "OMS_WEBHOOK_TIMEOUT_SECONDS": "1",
        "OMS_SCHEDULER_INTERVAL_SECONDS": "0.2",
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
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{url}/health/ready")).status_code == 200:
                        break
                await asyncio.sleep(0.05)
            else:
                raise RuntimeError("server did not become ready")
        yield process, url
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), 10)


async def test_an_event_committed_before_a_crash_is_delivered_after_restart(api: Api, backend: Backend) -> None:
    await api.server.resources.scheduler.stop()  # only the processes under test deliver
    try:
        async with receiving([HANG]) as hook:
            async with server_process(backend) as (process, url), httpx.AsyncClient(base_url=url) as http:
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
                process.send_signal(signal.SIGKILL)
                await process.wait()
            async with server_process(backend):  # a new process on the same database
                received = await hook.wait_for(2, seconds=30)
    finally:
        api.server.resources.scheduler.start()
    first, second = received[0], received[1]
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert placed["order"]["id"] in second.body
    deliveries = """query { webhookDeliveries(first: 10) { edges { node { status eventType } } } }"""
    nodes = [e["node"] for e in (await api.gql(deliveries))["webhookDeliveries"]["edges"]]
    assert nodes == [{"status": "DELIVERED", "eventType": "order.created"}]
