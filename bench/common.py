"""Benchmark plumbing: servers in subprocesses, an asyncio httpx load driver, result files.

Load always comes from this process while the server under test runs in its
own, on 127.0.0.1; every loop is bounded in requests and seconds.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG_ADMIN = os.environ.get("OMS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("OMS_BENCH_REDIS", "redis://127.0.0.1:6379/0")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(
    args: list[str], env: dict[str, str], port: int, ready_path: str = "/health/live"
) -> Iterator[subprocess.Popen[bytes]]:
    """Start `python -m <args>` and wait until it answers on 127.0.0.1:port."""
    log = tempfile.TemporaryFile()  # noqa: SIM115 - a pipe nobody reads would fill up and stall the server
    process = subprocess.Popen([sys.executable, *args], env={**os.environ, **env}, cwd=ROOT, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"server exited: {log.read().decode()[-2000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}{ready_path}", timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not start in 60 s")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@dataclass
class Figures:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    throughput: float


async def drive(url: str, body: dict[str, Any], *, requests: int, concurrency: int, max_seconds: float = 60) -> Figures:
    """Send `requests` POSTs over `concurrency` connections; latency per request, client side."""
    latencies: list[float] = []
    errors = 0
    remaining = requests
    deadline = time.perf_counter() + max_seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal remaining, errors
        while remaining > 0 and time.perf_counter() < deadline:
            remaining -= 1
            started = time.perf_counter()
            response = await client.post(url, json=body)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200 or "errors" in response.json():
                errors += 1

    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        for _ in range(min(50, requests)):  # warm-up: caches, pools, JIT-free but still
            await client.post(url, json=body)
        began = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        seconds = time.perf_counter() - began
    return figures(latencies, errors, seconds)


def figures(latencies: list[float], errors: int, seconds: float) -> Figures:
    """Client-side latency percentiles and throughput of one measurement."""
    latencies = sorted(latencies) or [0.0]
    return Figures(
        requests=len(latencies),
        errors=errors,
        seconds=round(seconds, 3),
        p50_ms=round(statistics.median(latencies) * 1000, 3),
        p99_ms=round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 3),
        throughput=round(len(latencies) / seconds, 1) if seconds else 0.0,
    )


def write_result(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    meta = {"machine": platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version()}
    path.write_text(json.dumps({"benchmark": name, "meta": meta, **payload}, indent=2, default=_plain) + "\n")
    return path


def _plain(value: Any) -> Any:
    return asdict(value) if hasattr(value, "__dataclass_fields__") else str(value)
