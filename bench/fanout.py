"""Benchmark: subscription fan-out, 1,000 subscribers over 2 replicas, against Redis PUBLISH -> SUBSCRIBE.

Two OMS replicas (separate uvicorn processes, PostgreSQL and Redis) serve
`availabilityChanged` over graphql-transport-ws, 500 subscribers each, all on
one hot SKU of the large network (a busy product page). A `syncInventory`
DELTA moves that SKU's stock; the latency of an event is the time from
sending the mutation to each subscriber receiving the new availability
(one clock: every client lives in this process). A subscriber that misses an
event within the timeout counts as an error.

The same load runs twice, on the same database: replicas started with
OMS_EXECUTOR=planned (engine/, the default), then with OMS_EXECUTOR=reference
(graphql-core's executor). For each: p50 and p99 of delivery, the replicas'
CPU per event (both uvicorn processes, from /proc, over the counted events) and
deliveries/s. Targets: p99 under 50 ms and CPU under 50 ms per event.

The floor, in the same run: redis-py publishing a message of the same size
to a channel two redis-py subscribers (one per replica) listen on; latency from
PUBLISH to receipt.

    python -m bench.fanout [--subscribers N] [--events N] [--executors planned,reference]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis
from websockets.asyncio.client import ClientConnection, connect

from app import scale as scale_network
from bench import network
from bench.common import REDIS, figures, free_port, server, write_result
from bench.harness import SERVER_ENV, TOKEN, cpu_seconds, peak_rss_mb
from bench.loadgen import Connection

SKU = scale_network.sku(0)
WATCH = (
    f"""subscription {{ availabilityChanged(skus: ["{SKU}"], channel: "web", market: "US") {{ sku atp onHand }} }}"""
)
EXECUTORS = ("planned", "reference")
DEPLOYED = ["--ws-per-message-deflate", "false"]  # as README's replicas run (and `oms serve` sets)
TARGET_P99_MS = TARGET_CPU_MS = 50.0
SYNC = """mutation($input: InventorySyncInput!) {
  syncInventory(input: $input) { applied ignoredStale duplicates userErrors { code } }
}"""


class Subscriber:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.received: list[float] = []
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                at = time.perf_counter()
                if json.loads(raw).get("type") == "next":
                    self.received.append(at)


async def subscribe(port: int) -> Subscriber:
    ws = await connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"], ping_interval=None)  # type: ignore[list-item]
    await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {TOKEN}"}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": WATCH}}))
    return Subscriber(ws)


@contextlib.asynccontextmanager
async def subscribers(ports: list[int], count: int) -> AsyncIterator[list[Subscriber]]:
    found: list[Subscriber] = []
    try:
        for start in range(0, count, 50):  # 50 handshakes at a time
            found += await asyncio.gather(
                *(subscribe(ports[n % len(ports)]) for n in range(start, min(count, start + 50)))
            )
        yield found
    finally:
        for s in found:
            s.task.cancel()
            with contextlib.suppress(Exception):
                await s.ws.close()


async def ours(
    url: str,
    count: int,
    events: int,
    wait: float,
    on_replicas: Callable[[list[int]], None] | None = None,
    *,
    executor: str = "planned",
) -> dict[str, Any]:
    env = {**SERVER_ENV, "DATABASE_URL": url, "REDIS_URL": REDIS, "OMS_LOG_LEVEL": "WARNING", "OMS_EXECUTOR": executor}
    uvicorn = ["-m", "uvicorn", "oms.asgi:app", "--no-access-log", "--ws-ping-interval", "0", *DEPLOYED]
    ports = [free_port(), free_port()]
    with (
        server([*uvicorn, "--port", str(ports[0])], env, ports[0]) as one,
        server([*uvicorn, "--port", str(ports[1])], env, ports[1]) as two,
    ):
        async with subscribers(ports, count) as subs:
            await asyncio.sleep(1.0)  # every subscription has read its baseline
            if on_replicas:
                on_replicas([one.pid, two.pid])  # bench/profile.py attaches py-spy here
            writer = Connection("127.0.0.1", ports[0], {"authorization": f"Bearer {TOKEN}"})
            latencies: list[float] = []
            missed = 0
            cpu_before = cpu_seconds(one.pid) + cpu_seconds(two.pid)
            began = time.perf_counter()
            for n in range(events + 1):  # the first event warms up and is not counted
                for s in subs:
                    s.received.clear()
                update = {"sku": SKU, "locationId": "loc-000", "quantity": 1, "asOf": datetime.now(UTC).isoformat()}
                update["eventId"] = f"fanout-{time.time_ns()}"
                sent = time.perf_counter()
                status, answer = await writer.post_json(
                    "/graphql",
                    {"query": SYNC, "variables": {"input": {"source": "bench", "mode": "DELTA", "updates": [update]}}},
                )
                assert status == 200 and answer["data"]["syncInventory"]["applied"] == 1, answer
                deadline = sent + wait
                while time.perf_counter() < deadline and any(not s.received for s in subs):  # noqa: ASYNC110 - polls a count
                    await asyncio.sleep(0.005)
                if n == 0:
                    began, cpu_before = time.perf_counter(), cpu_seconds(one.pid) + cpu_seconds(two.pid)
                    continue
                for s in subs:
                    if s.received:
                        latencies.append(s.received[0] - sent)
                    else:
                        missed += 1
            took = time.perf_counter() - began
            cpu = cpu_seconds(one.pid) + cpu_seconds(two.pid) - cpu_before
            peak = peak_rss_mb(one.pid) + peak_rss_mb(two.pid)
            await writer.close()
    found = figures(latencies, missed, took)
    cpu_ms = round(cpu * 1000 / events, 1)
    return {
        "executor": executor,
        "figures": found,
        "deliveries_per_second": found.throughput,
        "cpu_ms_per_event": cpu_ms,
        "peak_rss_mb": round(peak, 1),
        "targets_met": found.p99_ms < TARGET_P99_MS and cpu_ms < TARGET_CPU_MS and not missed,
    }


async def floor(events: int, size: int) -> dict[str, Any]:
    """redis-py: PUBLISH to a channel two subscribers listen on; latency to each receipt."""
    channel = "oms-bench-floor"
    publisher = aioredis.from_url(REDIS)
    listeners = [aioredis.from_url(REDIS).pubsub() for _ in range(2)]
    for p in listeners:
        await p.subscribe(channel)
        await p.get_message(timeout=1)  # the subscribe confirmation
    payload = "x" * size
    latencies: list[float] = []
    missed = 0
    began = time.perf_counter()
    for n in range(events + 20):
        sent = time.perf_counter()
        await publisher.publish(channel, payload)
        for p in listeners:
            message = await p.get_message(ignore_subscribe_messages=True, timeout=5)
            if n < 20:
                continue
            if message is None:
                missed += 1
            else:
                latencies.append(time.perf_counter() - sent)
    for p in listeners:
        await p.unsubscribe(channel)
        await p.aclose()  # type: ignore[no-untyped-call]
    await publisher.aclose()
    return {"figures": figures(latencies, missed, time.perf_counter() - began)}


async def run(
    count: int,
    events: int,
    wait: float,
    on_replicas: Callable[[list[int]], None] | None = None,
    *,
    record: bool = True,
    executors: tuple[str, ...] = EXECUTORS,
    quick: bool = False,
) -> dict[str, Any]:
    """The fan-out under each executor in turn (fresh replicas, same database, same load), then the floor."""
    measured: dict[str, dict[str, Any]] = {}
    async with network.postgres() as url:
        for executor in executors:
            print(f"  fan-out, {count:,} subscribers, OMS_EXECUTOR={executor}", flush=True)
            measured[executor] = await ours(url, count, events, wait, on_replicas, executor=executor)
    base = await floor(max(events * 10, 200), size=120)
    f = base["figures"]
    for m in measured.values():
        m["p50_ratio"] = round(m["figures"].p50_ms / max(f.p50_ms, 0.001), 1)
    size = f"{count:,} subscribers" + (" (quick run: the target is for 1,000)" if quick and count != 1000 else "")
    result = {
        "scenario": f"subscription fan-out, {size}, 2 replicas",
        "subscribers": count,
        "events": events,
        "quick": quick,
        "targets": {"p99_ms_below": TARGET_P99_MS, "cpu_ms_per_event_below": TARGET_CPU_MS},
        "executors": measured,
        "floor": base,
    }
    if record:  # not when bench/profile.py runs it under py-spy
        write_result("fanout", result)
    return result


def table(result: dict[str, Any]) -> str:
    lines = [
        "| executor | subscribers | events | p50 ms | p99 ms | CPU ms/event | deliveries/s | missed | targets met |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for executor, m in result["executors"].items():
        o = m["figures"]
        lines.append(
            f"| {executor} | {result['subscribers']:,} | {result['events']} | {o.p50_ms} | {o.p99_ms} "
            f"| {m['cpu_ms_per_event']} | {m['deliveries_per_second']} | {o.errors} | {m['targets_met']} |"
        )
    return "\n".join(lines) + f"\nfloor (redis-py PUBLISH -> SUBSCRIBE): p50 {result['floor']['figures'].p50_ms} ms"


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--events", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--executors", default=",".join(EXECUTORS), help="comma-separated OMS_EXECUTOR values")
    parser.add_argument("--no-record", action="store_true", help="do not write bench/results/fanout.json")
    args = parser.parse_args()
    chosen = tuple(args.executors.split(","))
    found = asyncio.run(run(args.subscribers, args.events, args.timeout, record=not args.no_record, executors=chosen))
    print(table(found))
