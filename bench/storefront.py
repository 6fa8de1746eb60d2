"""Suite scenarios on the large network: PDP availability, PLP `_entities`, cart fulfillment options.

For each configuration (backend x uvicorn workers), on one copy of the cached
large network (bench/network.py), each scenario (bench/scenarios.py) is driven
over the same keep-alive connections, bounded in requests and seconds, against:
- our server as a user starts it (`uvicorn oms.asgi:app`) with
  OMS_EXECUTOR=planned (the default: engine/), then with OMS_EXECUTOR=reference
  (graphql-core's executor);
- the hand-built floor (bench/handbuilt.py): the same app, the same uvicorn
  flags and workers, plus routes that make the same store calls through the
  same loaders and services and build the response's dicts by hand. Its
  answers are checked equal to both executors' (bench/same_answer.py) first;
- the older floors: a bare Strawberry schema serving the identical PDP and PLP
  from memory (bench/floor_app.py), one raw SQL query of a PLP page, and the
  pure sourcing part of the cart's options (bench/inprocess.py).
Server CPU per request (the server's process tree, from /proc) is the key
figure: on 2 shared cores it moves much less than latency.

    python -m bench.storefront [--quick] [--seconds N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import handbuilt, network
from bench.common import REDIS, Figures, free_port, server, write_result
from bench.harness import SERVER_ENV, count_statements, cpu_seconds, in_process, load, peak_rss_mb
from bench.inprocess import cart_floor, raw_sql_floor
from bench.loadgen import Connection
from bench.same_answer import assert_same
from bench.scenarios import CONNECTIONS, FULL, PDP_SKUS, PLP_PAGES, SCENARIOS, Scenario, shape

EXECUTORS = ("planned", "reference")
HANDBUILT = "hand-built"
Measured = tuple[Figures, float]  # client figures, server CPU ms per request


@dataclass
class Config:
    backend: str
    workers: int


async def _drive_server(
    port: int, pid: int, bodies: list[dict[str, Any]], requests: int, seconds: float, *, path: str = "/graphql"
) -> Measured:
    """Warm up (uncounted), then measure: client figures and the server's CPU per measured request."""
    await load(port, bodies, connections=CONNECTIONS, requests=0, seconds=0, path=path)
    before = cpu_seconds(pid)
    found = await load(port, bodies, connections=CONNECTIONS, requests=requests, seconds=seconds, warmup=0, path=path)
    cpu = cpu_seconds(pid) - before
    return found, round(cpu * 1000 / max(1, found.requests), 2)


async def _post(port: int, body: dict[str, Any], path: str = "/graphql") -> Any:
    client = Connection("127.0.0.1", port, {"authorization": "Bearer bench"})
    try:
        status, answer = await client.post_json(path, body)
    finally:
        await client.close()
    assert status == 200 and not answer.get("errors"), answer
    return answer  # the whole body: a floor must not drop what ours adds (extensions, say)


async def in_process_floors(database_url: str, seconds: float) -> dict[str, Any]:
    """Statement counts per scenario (the hand-built's checked equal: the same SQL) and the in-process floors,
    before any server process starts."""
    print(f"  statements per request and in-process floors ({database_url.split(':', maxsplit=1)[0]})", flush=True)
    async with in_process(database_url, handbuilt.mount) as (port, resources):
        counter, statements = resources.db.statements, {}
        for s in SCENARIOS:
            statements[s.label] = ours = await count_statements(port, counter, s.bodies())
            hand = await count_statements(port, counter, s.bodies(), path=f"/handbuilt/{s.route}")
            assert hand == ours, f"the hand-built {s.route} runs {hand} statements per request, GraphQL {ours}"
        cart = await cart_floor(resources, seconds)
    print("  raw SQL floor", flush=True)
    return {"statements": statements, "cart": cart, "raw_sql": await raw_sql_floor(database_url, seconds)}


def _server_env(config: Config, database_url: str) -> dict[str, str]:
    env = {**SERVER_ENV, "DATABASE_URL": database_url}
    if config.backend == "postgres":
        env["REDIS_URL"] = REDIS
    return env


def _uvicorn(config: Config) -> list[str]:
    return ["-m", "uvicorn", "--no-access-log", "--workers", str(config.workers), "--timeout-keep-alive", "60"]


async def measure_executor(config: Config, env: dict[str, str], executor: str, seconds: float) -> dict[str, Any]:
    """Our server under one executor: every scenario measured, its answers recorded (checked later)."""
    port = free_port()
    command = [*_uvicorn(config), "oms.asgi:app", "--port", str(port)]
    with server(command, {**env, "OMS_EXECUTOR": executor}, port) as process:
        answers = {s.label: [await _post(port, b) for b in s.bodies()] for s in SCENARIOS}
        measured = {s.label: await _drive_server(port, process.pid, s.bodies(), s.requests, seconds) for s in SCENARIOS}
        skus = PDP_SKUS + [s for page in PLP_PAGES for s in page]
        recorded = (await _post(port, {"query": FULL, "variables": {"skus": skus}}))["data"]["availability"]
        return {"answers": answers, "measured": measured, "peak": peak_rss_mb(process.pid), "recorded": recorded}


async def measure_handbuilt(
    config: Config, env: dict[str, str], seconds: float, executors: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The hand-built floor, after checking each of its answers equal to GraphQL's (its own /graphql's, and
    each executor's recorded ones), keys and their order included."""
    port = free_port()
    command = [*_uvicorn(config), "bench.handbuilt:app", "--port", str(port)]
    shapes: dict[str, str] = {}
    with server(command, {**env, "OMS_EXECUTOR": "planned"}, port) as process:
        for s in SCENARIOS:
            hand = [await _post(port, body, f"/handbuilt/{s.route}") for body in s.bodies()]
            for n, body in enumerate(s.bodies()):
                assert_same(await _post(port, body), hand[n], f"hand-built {s.route} #{n} vs its own /graphql")
                for executor, found in executors.items():
                    assert_same(found["answers"][s.label][n], hand[n], f"hand-built {s.route} #{n} vs {executor}")
            shapes[s.label] = shape(s, [a["data"] for a in hand])
        measured = {
            s.label: await _drive_server(
                port, process.pid, s.bodies(), s.requests, seconds, path=f"/handbuilt/{s.route}"
            )
            for s in SCENARIOS
        }
        return {"measured": measured, "peak": peak_rss_mb(process.pid), "shapes": shapes}


async def measure_bare(config: Config, work: Path, seconds: float, planned: dict[str, Any]) -> dict[str, Measured]:
    """The bare Strawberry floor serving the PDP and PLP from memory (the availability planned answered)."""
    data = work / f"floor-{config.backend}-{config.workers}.json"
    data.write_text(json.dumps(planned["recorded"]))
    port = free_port()
    command = [*_uvicorn(config), "bench.floor_app:floor", "--port", str(port)]
    with server(command, {"FLOOR_DATA": str(data)}, port) as process:
        found: dict[str, Measured] = {}
        for s in SCENARIOS[:2]:
            for n, body in enumerate(s.bodies()):
                assert_same(planned["answers"][s.label][n], await _post(port, body), f"bare floor {s.route} #{n}")
            found[s.label] = await _drive_server(port, process.pid, s.bodies(), s.requests, seconds)
        return found


async def run_config(
    config: Config, database_url: str, work: Path, seconds: float, extra: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rows of the main table: planned beside the older floors, rows of the executor table)."""
    env = _server_env(config, database_url)
    where = f"  {config.backend}, {config.workers} worker(s):"
    sides: dict[str, dict[str, Any]] = {}
    for executor in EXECUTORS:
        print(f"{where} OMS_EXECUTOR={executor}", flush=True)
        sides[executor] = await measure_executor(config, env, executor, seconds)
    print(f"{where} hand-built (answers checked equal first)", flush=True)
    hand = await measure_handbuilt(config, env, seconds, sides)
    print(f"{where} bare Strawberry floor", flush=True)
    bare = await measure_bare(config, work, seconds, sides["planned"])
    rows, executor_rows = [], []
    for s in SCENARIOS:
        o, cpu = sides["planned"]["measured"][s.label]
        row: dict[str, Any] = {
            "scenario": s.label,
            "backend": config.backend,
            "workers": config.workers,
            "connections": CONNECTIONS,
            "ours": o,
            "cpu_ms_per_request": cpu,
            "peak_rss_mb": sides["planned"]["peak"],
            "statements_per_request": extra["statements"][s.label],
        }
        floors = [("bare Strawberry from memory", *bare[s.label])] if s.label in bare else []
        if s.route == "plp":
            floors.append(("one raw SQL query in-process", *extra["raw_sql"]))
        if s.route == "cart":
            floors.append(("pure sourcing in-process", *extra["cart"]))
        for name, floor, floor_cpu in floors:
            ratio = round(o.p50_ms / max(floor.p50_ms, 0.001), 2)
            rows.append(row | {"floor_name": name, "floor": floor, "floor_cpu_ms": floor_cpu, "p50_ratio": ratio})
        executor_rows.append(_executor_row(s, row, sides, hand, extra))
    return rows, executor_rows


TARGETS = {"pdp": (HANDBUILT, 2.0), "plp": (HANDBUILT, 3.0), "cart": ("pure sourcing", 8.0)}


def _executor_row(
    s: Scenario, row: dict[str, Any], sides: dict[str, dict[str, Any]], hand: dict[str, Any], extra: dict[str, Any]
) -> dict[str, Any]:
    """planned, reference and hand-built side by side; ratios of CPU per request and of throughput."""
    hf, hcpu = hand["measured"][s.label]
    found: dict[str, Any] = {k: row[k] for k in ("scenario", "backend", "workers", "connections")}
    found |= {
        "short": s.short,
        "shape": hand["shapes"][s.label],
        HANDBUILT: {"figures": hf, "cpu_ms_per_request": hcpu},
    }
    found["peak_rss_mb"] = {HANDBUILT: hand["peak"]}
    for executor in EXECUTORS:
        f, cpu = sides[executor]["measured"][s.label]
        found[executor] = {
            "figures": f,
            "cpu_ms_per_request": cpu,
            "cpu_ratio": round(cpu / max(hcpu, 0.001), 2),  # x the hand-built's CPU per request
            "throughput_ratio": round(hf.throughput / max(f.throughput, 0.001), 2),  # hand-built req/s / ours
        }
        found["peak_rss_mb"][executor] = sides[executor]["peak"]
    against, limit = TARGETS[s.route]
    if against == "pure sourcing":
        pure_figures, pure_cpu = extra["cart"]
        found["pure_sourcing"] = {"figures": pure_figures, "cpu_ms_per_call": pure_cpu}
        ratio = round(found["planned"]["cpu_ms_per_request"] / max(pure_cpu, 0.001), 2)
    else:
        ratio = found["planned"]["cpu_ratio"]
    found["target"] = {"against": against, "limit": limit, "planned_cpu_ratio": ratio, "met": ratio <= limit}
    return found


async def run(configs: list[Config], seconds: float) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows: list[dict[str, Any]] = []
    executor_rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if any(c.backend == "sqlite" for c in configs):
            url = network.sqlite(work)
            extra = await in_process_floors(url, seconds)
            for config in (c for c in configs if c.backend == "sqlite"):
                found, executors = await run_config(config, url, work, seconds, extra)
                rows, executor_rows = rows + found, executor_rows + executors
        if any(c.backend == "postgres" for c in configs):
            async with network.postgres() as url:
                extra = await in_process_floors(url, seconds)
                for config in (c for c in configs if c.backend == "postgres"):
                    found, executors = await run_config(config, url, work, seconds, extra)
                    rows, executor_rows = rows + found, executor_rows + executors
    write_result("storefront", {"rows": rows, "executors": executor_rows})
    return rows, executor_rows


CONFIGS = [Config("sqlite", 1), Config("sqlite", 2), Config("postgres", 1), Config("postgres", 2)]
QUICK = [Config("sqlite", 1), Config("postgres", 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="two configurations, 2 s per measurement")
    parser.add_argument("--seconds", type=float, default=None, help="bound of each measurement (default 5; quick 2)")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default=None, help="only this backend")
    args = parser.parse_args()
    seconds = args.seconds or (2.0 if args.quick else 5.0)
    configs = [c for c in (QUICK if args.quick else CONFIGS) if args.backend in (None, c.backend)]
    _, executor_rows = asyncio.run(run(configs, seconds))
    from bench.suite import executor_lines, executor_table

    print(executor_table(executor_lines(executor_rows)))


if __name__ == "__main__":
    main()
