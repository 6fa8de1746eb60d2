"""Benchmark: `availability` for 1 and 20 SKUs across 200 locations, against the floor.

For each backend (SQLite; PostgreSQL) the OMS server runs under uvicorn in its
own process; the floor is a bare Strawberry schema serving the very same
response from memory under the same uvicorn. Latency is measured client side
over loopback, one connection (latency) and eight (throughput).

    python -m bench.availability [--requests N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

import httpx

from bench.common import Figures, drive, free_port, server, write_result
from bench.datasets import seed_availability_dataset
from bench.pg import scratch_database

QUERY = """query PDP($skus: [String!]!) {
  availability(skus: $skus, channel: "web", market: "US") {
    sku channel market atp onHand reserved inbound
    locations { location { id name type } atp onHand reserved held inbound appliedRules }
  }
}"""
SCENARIOS = {"1 SKU x 200 locations": 1, "20 SKUs x 200 locations": 20}


def body(count: int) -> dict[str, Any]:
    return {"query": QUERY, "variables": {"skus": [f"B-{n:05d}" for n in range(count)]}}


async def measure(url: str, count: int, requests: int) -> dict[str, Figures]:
    """Bounded in requests (fewer for the heavy 20-SKU response) and seconds."""
    n = max(60, requests // count)
    return {
        "c1": await drive(url, body(count), requests=n, concurrency=1, max_seconds=60),
        "c8": await drive(url, body(count), requests=n, concurrency=8, max_seconds=60),
    }


async def run_backend(name: str, database_url: str, requests: int, work: Path) -> list[dict[str, Any]]:
    await seed_availability_dataset(database_url)
    port = free_port()
    env = {"DATABASE_URL": database_url, "OMS_LOG_LEVEL": "WARNING", "OMS_ADMIN_TOKEN": "bench"}
    rows = []
    with server(["-m", "uvicorn", "oms.asgi:app", "--port", str(port), "--no-access-log"], env, port):
        url = f"http://127.0.0.1:{port}/graphql"
        recorded = (await _post(url, body(20)))["data"]["availability"]
        assert all(len(a["locations"]) >= 150 for a in recorded), "every hot SKU is stocked widely"
        ours = {label: await measure(url, n, requests) for label, n in SCENARIOS.items()}
    data = work / f"floor-{name}.json"
    data.write_text(json.dumps(recorded))
    floor_port = free_port()
    floor_env = {"FLOOR_DATA": str(data)}
    with server(
        ["-m", "uvicorn", "bench.floor_app:floor", "--port", str(floor_port), "--no-access-log"], floor_env, floor_port
    ):
        url = f"http://127.0.0.1:{floor_port}/graphql"
        assert (await _post(url, body(20)))["data"]["availability"] == recorded
        floor = {label: await measure(url, n, requests) for label, n in SCENARIOS.items()}
    for label in SCENARIOS:
        for mode in ("c1", "c8"):
            o, f = ours[label][mode], floor[label][mode]
            rows.append(
                {
                    "backend": name,
                    "scenario": label,
                    "connections": int(mode[1:]),
                    "ours": o,
                    "floor": f,
                    "p50_ratio": round(o.p50_ms / f.p50_ms, 2),
                    "throughput_ratio": round(f.throughput / o.throughput, 2),
                }
            )
    return rows


async def _post(url: str, payload: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=30) as client:
        return dict((await client.post(url, json=payload)).json())


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| backend | scenario | conns | p50 ms | p99 ms | req/s | floor p50 ms | floor req/s | p50 / floor |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        o, f = r["ours"], r["floor"]
        lines.append(
            f"| {r['backend']} | {r['scenario']} | {r['connections']} | {o.p50_ms} | {o.p99_ms} | {o.throughput} "
            f"| {f.p50_ms} | {f.throughput} | {r['p50_ratio']}x |"
        )
    return "\n".join(lines)


async def main(requests: int) -> None:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows += await run_backend("sqlite", f"sqlite+aiosqlite:///{work / 'bench.db'}", requests, work)
        async with scratch_database() as url:
            rows += await run_backend("postgres", url, requests, work)
    markdown = table(rows)
    write_result("availability", {"rows": rows, "markdown": markdown})
    print(markdown)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    asyncio.run(main(parser.parse_args().requests))
