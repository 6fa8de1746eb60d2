"""Benchmark: the soak. A steady mixed load for 10 minutes (60 s with --quick) on PostgreSQL + Redis: is
anything growing, is anything lost? (issue #26, "load held")

One server as a user starts it (`uvicorn oms.asgi:app`, 1 worker, default pool) on a fresh database seeded by
`bench.datasets.seed_availability_dataset` (200 locations, 2,000 SKUs; 20 hot SKUs stocked everywhere), and
the load of `bench.soak_load` at fixed rates: PDP, PLP and cart reads, placeOrder, checkout holds (half
converted by placeOrder, a quarter released, a quarter abandoned to the sweeper), syncInventory deltas, and
WebSocket subscribers (graphql-transport-ws) on the synced SKUs. Every few seconds: the server's resident
memory (VmRSS of its process tree), its CPU, and the database's connections (pg_stat_activity).

Reported for the first and the last window (60 s; a quarter of a shorter soak): p50/p99 per kind, achieved
rate, RSS, connections, CPU per request. Checks, each passed or not (the tolerances are stated in TOLERANCE):
RSS, connections and p99 not grown beyond tolerance; zero errors; every acknowledged order stored once; no
oversell (reserved = units of orders + units still in hold lines, nothing reserved beyond on hand); every hold
in the state its fate says (converted into the order placeOrder answered, released, or abandoned and swept
in time); every subscriber received events in the last window, and after the load one more sync per watched
SKU reached every subscriber (its last onHand is what a query reads).

    python -m bench.soak [--seconds N] [--subscribers N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from typing import Any

import asyncpg

from bench import soak_load
from bench.common import PG_ADMIN, REDIS, free_port, server, write_result
from bench.datasets import seed_availability_dataset
from bench.harness import SERVER_ENV, cpu_seconds, rss_mb
from bench.loadgen import Connection
from bench.pg import scratch_database
from bench.soak_load import CONNECTIONS, FATES, HEADERS, RATES, WATCHED, Operations, Tally

FULL_SECONDS, QUICK_SECONDS, SUBSCRIBERS = 600, 60, 50
POOL = 10  # the server's default OMS_DB_POOL_SIZE (and as many overflow connections)
SWEEP_SECONDS = 30.0  # the default scheduler interval: a lapsed hold is swept within two of them
TOLERANCE = {
    "rss_growth_mb": 20.0,  # end - start, or
    "rss_growth_ratio": 0.10,  # of start, whichever is larger
    "connections_growth": 2,  # end window's most over the start window's most, or over the pool filled (POOL + 1)
    "connections_max": 2 * POOL + 2,  # pool + overflow + the leader's lock session + one
    "p99_drift_ratio": 2.0,  # end p99 within 2x start p99, or
    "p99_drift_ms": 25.0,  # within start + 25 ms, whichever is larger
    "cpu_per_request_ratio": 1.5,  # the server's CPU per request, end over start (moves less than latency)
}
KINDS = ("pdp", "plp", "cart", "order", "hold", "convert", "release", "sync", "event")
LABELS = {
    "pdp": "PDP availability, 1 SKU x 200 locations",
    "plp": "PLP _entities, 24 Products",
    "cart": "cart fulfillmentOptions, 5 lines",
    "order": "placeOrder",
    "hold": "createCheckoutHold",
    "convert": "placeOrder(checkoutHoldId)",
    "release": "releaseCheckoutHold",
    "sync": "syncInventory DELTA",
    "event": "availabilityChanged delivery",
}


async def sampler(
    pid: int, database: str, tally: Tally, *, until: float, every: float, out: list[dict[str, float]]
) -> None:
    """RSS, CPU and the database's connections every `every` s; the monitor itself is on another database."""
    monitor = await asyncpg.connect(PG_ADMIN)
    try:
        while True:
            count = await monitor.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = $1", database)
            now = round(tally.now(), 2)
            load = os.getloadavg()[0]  # the machine's: others' work on these 2 cores moves the latencies
            out.append({"t": now, "rss_mb": rss_mb(pid), "connections": count, "cpu_s": cpu_seconds(pid), "load": load})
            if time.perf_counter() >= until:
                return
            await asyncio.sleep(min(every, max(0.0, until - time.perf_counter())))
    finally:
        await monitor.close()


def _percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies) or [0.0]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
    }


def window(tally: Tally, samples: list[dict[str, float]], start: float, end: float) -> dict[str, Any]:
    """Per kind: count, rate, p50/p99 and errors of the answers sent in [start, end); RSS and connections."""
    kinds: dict[str, Any] = {}
    for kind in KINDS:
        rows = [(lat, ok) for t, k, lat, ok in tally.samples if k == kind and start <= t < end]
        kinds[kind] = {"count": len(rows), "per_second": round(len(rows) / (end - start), 2)}
        kinds[kind] |= _percentiles([lat for lat, _ in rows]) | {"errors": sum(1 for _, ok in rows if not ok)}
    inside = [s for s in samples if start <= s["t"] <= end] or samples[:1]
    requests = sum(v["count"] for k, v in kinds.items() if k != "event")
    cpu = inside[-1]["cpu_s"] - inside[0]["cpu_s"]
    span = max(inside[-1]["t"] - inside[0]["t"], 1e-9)
    return {
        "from_s": round(start, 1),
        "to_s": round(end, 1),
        "kinds": kinds,
        "rss_mb": round(statistics.median(s["rss_mb"] for s in inside), 1),
        "connections": max(int(s["connections"]) for s in inside),
        "cpu_ms_per_request": round(cpu * 1000 / max(1, requests * span / (end - start)), 2),
        "server_cpu_percent": round(100 * cpu / span, 1),
        "load_average": round(statistics.median(s["load"] for s in inside), 2),
    }


async def database_checks(url: str, tally: Tally) -> dict[str, Any]:
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        found = {
            "oversold_positions": await conn.fetchval("SELECT count(*) FROM positions WHERE reserved > on_hand"),
            "reserved_units": await conn.fetchval("SELECT COALESCE(sum(reserved), 0) FROM positions"),
            "ordered_units": await conn.fetchval("SELECT COALESCE(sum(quantity), 0) FROM order_lines"),
            "held_units": await conn.fetchval("SELECT COALESCE(sum(quantity), 0) FROM hold_lines"),
            "orders_stored": await conn.fetchval("SELECT count(*) FROM orders"),
            "orders_acknowledged_stored": await conn.fetchval(
                "SELECT count(*) FROM orders WHERE id = ANY($1::text[])", list(tally.orders)
            ),
            "holds_by_status": dict(await conn.fetch("SELECT status, count(*) FROM checkout_holds GROUP BY status")),
            "lapsed_unswept": await conn.fetchval(
                "SELECT count(*) FROM checkout_holds "
                "WHERE status = 'ACTIVE' AND expires_at < now() - make_interval(secs => $1)",
                2 * SWEEP_SECONDS + 5,
            ),
        }
        rows = await conn.fetch(
            "SELECT id, status, order_id FROM checkout_holds WHERE id = ANY($1::text[])", list(tally.holds)
        )
    finally:
        await conn.close()
    status = {r["id"]: (r["status"], r["order_id"]) for r in rows}
    expected = {"convert": ("CONVERTED",), "release": ("RELEASED",), "abandon": ("ACTIVE", "EXPIRED")}
    wrong = [
        h
        for h, fate in tally.holds.items()
        if h not in status
        or status[h][0] not in expected.get(fate, ())
        or (fate == "convert" and status[h][1] != tally.converted.get(h))
    ]
    fates = {f: sum(1 for x in tally.holds.values() if x == f) for f in set(FATES)}
    return found | {"holds_acknowledged": len(tally.holds), "holds_by_fate": fates, "holds_wrong": len(wrong)}


async def final_events(port: int, tally: Tally, subscribers: list[soak_load.Subscriber]) -> dict[str, Any]:
    """One more sync per watched SKU after the load; then every subscriber's last onHand must be what a
    query reads (within 15 s)."""
    client = Connection("127.0.0.1", port, HEADERS)
    ops = Operations(tally)
    for n in range(len(WATCHED)):
        await ops.sync(client, n)
    await client.close()
    deadline = time.perf_counter() + 15
    while True:
        expected = await soak_load.truth(port)
        behind = [s for s in subscribers if not s.events or s.events[-1][1] != expected[s.sku]]
        if not behind or time.perf_counter() > deadline:
            break
        await asyncio.sleep(0.5)
    return {"subscribers_behind_at_end": len(behind), "subscribers_failed": [s.failed for s in subscribers if s.failed]}


def checks(result: dict[str, Any], tally: Tally) -> dict[str, dict[str, Any]]:
    """Each check: passed, and what it compared."""
    start, end, db, tol = result["start"], result["end"], result["database"], TOLERANCE
    allowed_rss = max(tol["rss_growth_mb"], tol["rss_growth_ratio"] * start["rss_mb"])
    grown = round(end["rss_mb"] - start["rss_mb"], 1)
    drift = {}
    for kind in KINDS:
        a, b = start["kinds"][kind]["p99_ms"], end["kinds"][kind]["p99_ms"]
        allowed = round(max(tol["p99_drift_ratio"] * a, a + tol["p99_drift_ms"]), 1)
        drift[kind] = {"start": a, "end": b, "allowed": allowed}
    events = result["events"]
    units = db["ordered_units"] + db["held_units"]
    found = {
        "rss": (grown <= allowed_rss, f"grew {grown} MB (allowed {allowed_rss:.1f})"),
        "connections": (
            end["connections"] <= max(start["connections"], POOL + 1) + tol["connections_growth"]
            and result["connections_max"] <= tol["connections_max"],
            f"{start['connections']} -> {end['connections']}, max {result['connections_max']} (allowed "
            f"+{tol['connections_growth']} over the start or the pool's {POOL} + the leader's session; "
            f"max {tol['connections_max']})",
        ),
        "p99_drift": (
            all(d["end"] <= d["allowed"] for d in drift.values()),
            f"load average {start['load_average']} -> {end['load_average']}; "
            + "; ".join(f"{k} {d['start']} -> {d['end']} ms (<= {d['allowed']})" for k, d in drift.items()),
        ),
        "cpu_per_request": (
            end["cpu_ms_per_request"] <= tol["cpu_per_request_ratio"] * start["cpu_ms_per_request"],
            f"{start['cpu_ms_per_request']} -> {end['cpu_ms_per_request']} ms (<= {tol['cpu_per_request_ratio']}x)",
        ),
        "zero_errors": (not tally.errors, str(tally.errors or "none")),
        "orders_stored_once": (
            db["orders_stored"] == db["orders_acknowledged_stored"] == len(tally.orders),
            f"{len(tally.orders)} acknowledged ({result['warm_up_orders']} in the warm-up), "
            f"{db['orders_stored']} stored",
        ),
        "no_oversell": (
            db["oversold_positions"] == 0 and db["reserved_units"] == units,
            f"reserved {db['reserved_units']} = ordered {db['ordered_units']} + held {db['held_units']}; "
            f"{db['oversold_positions']} positions over on hand",
        ),
        "holds_as_acknowledged": (
            db["holds_wrong"] == 0 and db["lapsed_unswept"] == 0,
            f"{db['holds_acknowledged']} holds {db['holds_by_fate']}, now {db['holds_by_status']}; "
            f"{db['holds_wrong']} wrong, {db['lapsed_unswept']} lapsed but not swept",
        ),
        "subscribers_to_the_end": (
            events["subscribers_silent_in_last_window"] == 0
            and events["subscribers_behind_at_end"] == 0
            and not events["subscribers_failed"],
            f"{events['delivered']} events to {events['subscribers']} subscribers; "
            f"{events['subscribers_silent_in_last_window']} silent in the last window, "
            f"{events['subscribers_behind_at_end']} behind after the final syncs",
        ),
    }
    return {name: {"passed": bool(ok), "detail": detail} for name, (ok, detail) in found.items()}


async def main(seconds: float, subscribers: int = SUBSCRIBERS) -> dict[str, Any]:
    span = min(60.0, seconds / 4)
    load_before = os.getloadavg()
    async with scratch_database("oms_soak") as url:
        await seed_availability_dataset(url)
        port = free_port()
        env = {**SERVER_ENV, "DATABASE_URL": url, "REDIS_URL": REDIS}
        command = ["-m", "uvicorn", "oms.asgi:app", "--port", str(port), "--no-access-log", "--workers", "1"]
        command += ["--timeout-keep-alive", "60", "--ws-per-message-deflate", "false"]
        print(f"  soak: {seconds:.0f} s, rates {RATES}/s, {subscribers} subscribers", flush=True)
        with server(command, env, port) as process:
            tally = Tally()
            ops = Operations(tally)
            for kind in RATES:  # untimed warm-up: each kind a few times, every statement prepared
                client = Connection("127.0.0.1", port, HEADERS)
                for n in range(8):
                    await ops.of(kind)(client, n)
                await client.close()
            assert not tally.errors, f"the warm-up failed: {tally.errors}"
            warm_orders = len(tally.orders)
            subs = [await soak_load.subscribe(port, WATCHED[n % len(WATCHED)], tally) for n in range(subscribers)]
            await asyncio.sleep(1.0)
            tally.began, tally.samples = time.perf_counter(), []
            until = tally.began + seconds
            samples: list[dict[str, float]] = []
            every = 5.0 if seconds >= 300 else 2.0
            name = url.rsplit("/", 1)[1]
            loops = [soak_load.paced(port, tally, kind, ops.of(kind), until) for kind in RATES]
            await asyncio.gather(sampler(process.pid, name, tally, until=until, every=every, out=samples), *loops)
            took = tally.now()
            quiet = max(span, 3 * len(WATCHED) / RATES["sync"])  # each watched SKU is synced every 5 s
            silent = sum(1 for s in subs if not any(t >= took - quiet for t, _ in s.events))
            events = {"subscribers": subscribers, "delivered": sum(len(s.events) for s in subs)}
            events |= {"subscribers_silent_in_last_window": silent} | await final_events(port, tally, subs)
            await soak_load.close(subs)
            rss_max = max(s["rss_mb"] for s in samples)
        result: dict[str, Any] = {
            "seconds": round(took, 1),
            "window_seconds": span,
            "rates_per_second": RATES,
            "connections_per_kind": CONNECTIONS,
            "subscribers": subscribers,
            "workers": 1,
            "pool_size": POOL,
            "tolerance": TOLERANCE,
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "start": window(tally, samples, 0.0, span),
            "end": window(tally, samples, took - span, took),
            "whole": window(tally, samples, 0.0, took),
            "rss_max_mb": rss_max,
            "connections_max": max(int(s["connections"]) for s in samples),
            "behind": tally.behind,
            "refused": tally.refused,
            "errors": tally.errors,
            "warm_up_orders": warm_orders,
            "events": events,
            "samples": samples,
            "timeline": [window(tally, samples, t, min(t + span, took)) for t in range(0, int(took), int(span))],
            "slowest": [
                {"t": round(t, 2), "kind": k, "ms": round(lat * 1000, 1)}
                for t, k, lat, _ in sorted(tally.samples, key=lambda x: -x[2])[:20]
            ],
        }
        result["database"] = await database_checks(url, tally)
    result["checks"] = checks(result, tally)
    result["passed"] = all(c["passed"] for c in result["checks"].values())
    write_result("soak", result)
    for line in summary(result):
        print(line, flush=True)
    return result


def summary(result: dict[str, Any]) -> list[str]:
    start, end = result["start"], result["end"]
    lines = [
        f"soak: {result['seconds']} s, windows of {result['window_seconds']:.0f} s; load average before "
        f"{result['load_average_before']}, after {result['load_average_after']}"
    ]
    for kind in KINDS:
        a, b = start["kinds"][kind], end["kinds"][kind]
        lines.append(
            f"  {kind}: p50 {a['p50_ms']} -> {b['p50_ms']} ms, p99 {a['p99_ms']} -> {b['p99_ms']} ms, "
            f"{a['per_second']} -> {b['per_second']}/s, {result['whole']['kinds'][kind]['count']} in all"
        )
    lines.append(
        f"  RSS {start['rss_mb']} -> {end['rss_mb']} MB (max {result['rss_max_mb']}); connections "
        f"{start['connections']} -> {end['connections']} (max {result['connections_max']}); CPU "
        f"{start['cpu_ms_per_request']} -> {end['cpu_ms_per_request']} ms/req ({start['server_cpu_percent']}% -> "
        f"{end['server_cpu_percent']}% of a core); behind {result['behind']}"
    )
    for name, check in result["checks"].items():
        lines.append(f"  check {name}: {'passed' if check['passed'] else 'FAILED'}: {check['detail']}")
    return lines


HEADER = (
    "| soak | load | load average (1 min) start / end | RSS MB start / end / max "
    "| PG connections start / end / max | server CPU ms/req start / end | events delivered "
    "| orders / holds acknowledged | checks |"
)


def kind_rows(result: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Rows of the suite's main table, one per kind: the last window's figures beside the first window's
    (in the floor columns); the ratio is of p99, end over start."""
    start, end, w = result["start"], result["end"], result["window_seconds"]
    found = []
    for kind in KINDS:
        a, b = start["kinds"][kind], end["kinds"][kind]
        conns = f"{result['subscribers']} WS" if kind == "event" else CONNECTIONS.get(kind, CONNECTIONS["hold"])
        found.append(
            (
                f"soak {result['seconds']:.0f} s, {LABELS[kind]}: last {w:.0f} s",
                "postgres+redis",
                result["workers"],
                conns,
                b["p50_ms"],
                b["p99_ms"],
                b["per_second"],
                result["errors"].get(kind, 0),  # the whole soak's
                f"same soak, first {w:.0f} s",
                a["p50_ms"],
                a["per_second"],
                f"**{round(b['p99_ms'] / max(a['p99_ms'], 0.001), 2)}x** p99 (end / start)",
                f"{end['cpu_ms_per_request']} (all kinds)",
                result["rss_max_mb"],
                "n/a",
            )
        )
    return found


def resource_row(result: dict[str, Any]) -> tuple[Any, ...]:
    """The soak's own table: resources at the start and the end, events, and the checks."""
    start, end, db = result["start"], result["end"], result["database"]
    rates = ", ".join(f"{k} {v:g}/s" for k, v in result["rates_per_second"].items())
    failed = [name for name, c in result["checks"].items() if not c["passed"]]
    passed = len(result["checks"]) - len(failed)
    return (
        f"{result['seconds']:.0f} s, windows of {result['window_seconds']:.0f} s",
        f"{rates}; {result['subscribers']} subscribers",
        f"{start['load_average']} / {end['load_average']}",
        f"{start['rss_mb']} / {end['rss_mb']} / {result['rss_max_mb']}",
        f"{start['connections']} / {end['connections']} / {result['connections_max']}",
        f"{start['cpu_ms_per_request']} / {end['cpu_ms_per_request']}",
        f"{result['events']['delivered']:,} to {result['subscribers']}",
        f"{db['orders_stored']:,} / {db['holds_acknowledged']:,}",
        f"**{passed} of {len(result['checks'])} passed**" + (f" (failed: {', '.join(failed)})" if failed else ""),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=FULL_SECONDS)
    parser.add_argument("--subscribers", type=int, default=SUBSCRIBERS)
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.subscribers))
