"""Suite plumbing: the lean load driver, server CPU and peak memory, SQL statements per request.

Load comes from this process (bench.loadgen keep-alive connections) while the
server under test runs in its own processes; every loop is bounded in requests
and seconds. CPU and memory are read from /proc for the server's whole process
tree (uvicorn's supervisor and its workers).
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from bench.common import Figures, figures
from bench.loadgen import Connection, LoadError

TOKEN = "bench"
SERVER_ENV = {
    "OMS_ADMIN_TOKEN": TOKEN,
    "OMS_LOG_LEVEL": "WARNING",
    "OMS_RATE_LIMIT_PER_MINUTE": "100000000",  # the load generator is one client; it must not be throttled
    "OMS_RATE_LIMIT_BURST": "100000000",
}
TICK = os.sysconf("SC_CLK_TCK")


async def load(
    port: int,
    bodies: Sequence[dict[str, Any]],
    *,
    connections: int,
    requests: int,
    seconds: float,
    warmup: int = 20,
    path: str = "/graphql",
) -> Figures:
    """POST the bodies to `path` round-robin over `connections` keep-alive connections, bounded in requests and
    seconds. An answer other than 200 with `data` and no `errors` counts as an error."""
    headers = {"authorization": f"Bearer {TOKEN}"}
    clients = [Connection("127.0.0.1", port, headers) for _ in range(connections)]
    for n in range(warmup):
        await clients[n % connections].post_json(path, bodies[n % len(bodies)])
    latencies: list[float] = []
    errors = 0
    sent = 0
    deadline = time.perf_counter() + seconds

    async def worker(client: Connection) -> None:
        nonlocal sent, errors
        while sent < requests and time.perf_counter() < deadline:
            body = bodies[sent % len(bodies)]
            sent += 1
            started = time.perf_counter()
            try:
                status, answer = await client.post_json(path, body)
            except LoadError:
                errors += 1
                continue
            latencies.append(time.perf_counter() - started)
            if status != 200 or not isinstance(answer, dict) or answer.get("errors") or not answer.get("data"):
                errors += 1

    began = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in clients))
    took = time.perf_counter() - began
    for client in clients:
        await client.close()
    return figures(latencies, errors, took)


# --- the server's CPU and memory, from /proc ------------------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the process and its live descendants."""
    total = 0
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def peak_rss_mb(pid: int) -> float:
    """Sum over the process tree of each process's peak resident set (VmHWM)."""
    total = 0
    for p in process_tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1)


def rss_mb(pid: int) -> float:
    """Sum over the process tree of each process's resident set now (VmRSS)."""
    total = 0
    for p in process_tree(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text().splitlines()
        except OSError:
            continue
        total += sum(int(x.split()[1]) for x in status if x.startswith("VmRSS:"))
    return round(total / 1024, 1)


# --- SQL statements per request: the same app in this process, its statement counter read --------------------


@asynccontextmanager
async def in_process(database_url: str, prepare: Callable[[Any], Any] | None = None) -> AsyncIterator[Any]:
    """The app under uvicorn in this event loop (as tests/harness.py does), to read its statement counter;
    `prepare` may add routes to it first (bench.handbuilt.mount)."""
    from app.config import Settings
    from oms.compose import build_app

    settings = Settings.from_env({**SERVER_ENV, "DATABASE_URL": database_url})
    app = build_app(settings)
    if prepare is not None:
        app = prepare(app)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_config=None, access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = sock.getsockname()[1]
    try:
        yield port, app.state.resources
    finally:
        server.should_exit = True
        await task
        sock.close()


async def statements_per_request(database_url: str, bodies: Sequence[dict[str, Any]], repeat: int = 5) -> float:
    """Mean statements per warm request (the first round warms caches and is not counted)."""
    async with in_process(database_url) as (port, resources):
        return await count_statements(port, resources.db.statements, bodies, repeat)


async def count_statements(
    port: int,
    counter: Any,
    bodies: Sequence[dict[str, Any]],
    repeat: int = 5,
    *,
    warm: bool = True,
    path: str = "/graphql",
) -> float:
    """Mean statements per request over `repeat` rounds of the bodies (after one uncounted round if `warm`)."""
    async with httpx.AsyncClient(timeout=60) as client:
        headers = {"authorization": f"Bearer {TOKEN}"}
        for body in bodies if warm else ():
            await client.post(f"http://127.0.0.1:{port}{path}", json=body, headers=headers)
        total = 0
        for _ in range(repeat):
            for body in bodies:
                rid = uuid.uuid4().hex
                await client.post(f"http://127.0.0.1:{port}{path}", json=body, headers={**headers, "x-request-id": rid})
                total += counter.by_request.get(rid, 0)
    return round(total / max(1, repeat * len(bodies)), 2)
