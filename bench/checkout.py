"""Benchmark: checkout holds beside placeOrder under contention on PostgreSQL, in one run (issue #21).

Three measurements, each on a freshly seeded database (`bench.place_order.seed`:
10 hot SKUs with 1,500 units in all) behind its own server (uvicorn, one
worker, PostgreSQL + Redis, OMS_EXECUTOR=planned), the same shoppers (one cart
each: 1 unit of a hot SKU, shipped to New York) over the same 50 keep-alive
connections of `bench.loadgen`:

1. `place`: placeOrder alone, the baseline (the configuration of
   `bench.place_order`, without its 5% replays so the three compare like for like);
2. `hold`: createCheckoutHold alone (ttlSeconds 900: none lapses during the run);
3. `checkout`: createCheckoutHold, then placeOrder with its checkoutHoldId, per
   shopper: complete checkouts per second, and p50/p99 of each step.

Every server gets the same untimed warm-up (per connection: an order, a hold, a
hold converted, on a SKU of its own). After each run the database is checked:
no position oversold, reserved units equal the units of the orders plus those
of the ACTIVE holds, every acknowledged order and hold stored once, every
converted hold CONVERTED into the order placeOrder answered, and no errors.
All calls use the admin token, so a hold's creator is the caller who converts it.

    python -m bench.checkout [--shoppers N] [--clients C]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx

from bench.common import REDIS, free_port, server, write_result
from bench.harness import SERVER_ENV, TOKEN, cpu_seconds, in_process, peak_rss_mb
from bench.loadgen import Connection, LoadError
from bench.pg import scratch_database
from bench.place_order import PLACE, WARM, order, seed

MODES = ("place", "hold", "checkout")
HOLD = """mutation($input: CheckoutHoldInput!) {
  createCheckoutHold(input: $input) { hold { id status } userErrors { code } } }"""
TTL_SECONDS = 900
HEADERS = {"authorization": f"Bearer {TOKEN}"}
RETRIES = 5  # a failed connection is retried with the same input (and counted as an error), at most this often


def hold_of(body: dict[str, Any]) -> dict[str, Any]:
    """The hold input for an order's cart: same channel, market, lines (without prices) and delivery."""
    lines = [{"sku": x["sku"], "quantity": x["quantity"]} for x in body["lines"]]
    fields = ("channel", "market", "delivery")
    return {"idempotencyKey": f"h-{body['idempotencyKey']}", "lines": lines, "ttlSeconds": TTL_SECONDS} | {
        k: body[k] for k in fields
    }


@dataclass
class Tally:
    """What one measurement saw: step latencies, and the ids the server acknowledged."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    orders: set[str] = field(default_factory=set)
    holds: set[str] = field(default_factory=set)  # still ACTIVE: created, not converted
    converted: dict[str, str] = field(default_factory=dict)  # hold id -> order id
    refused: int = 0
    errors: int = 0
    requests: int = 0


async def _post(client: Connection, tally: Tally, step: str, query: str, body: dict[str, Any]) -> dict[str, Any]:
    """One mutation, retried with the same input (so the same idempotency key) when the connection fails;
    {} when there was no answer with data."""
    name = "createCheckoutHold" if query is HOLD else "placeOrder"
    for _ in range(RETRIES):
        started = time.perf_counter()
        try:
            status, answer = await client.post_json("/graphql", {"query": query, "variables": {"input": body}})
        except LoadError:
            tally.errors += 1
            continue
        tally.latencies.setdefault(step, []).append(time.perf_counter() - started)
        tally.requests += 1
        result = (answer.get("data") or {}).get(name) if status == 200 and isinstance(answer, dict) else None
        if result is None:
            tally.errors += 1
            return {}
        return dict(result)
    return {}


def _refused(result: dict[str, Any], tally: Tally) -> None:
    """No order or hold: out of stock is a refusal; any other userError an error (no answer was counted already)."""
    codes = [e["code"] for e in result.get("userErrors") or []]
    if codes == ["INSUFFICIENT_STOCK"]:
        tally.refused += 1
    elif result:
        tally.errors += 1


async def shop(mode: str, client: Connection, tally: Tally, body: dict[str, Any]) -> None:
    """One shopper's checkout in `mode`; a refused hold (no stock) ends it."""
    if mode == "place":
        placed = await _post(client, tally, "placeOrder", PLACE, body)
        if placed.get("order"):
            tally.orders.add(placed["order"]["id"])
        else:
            _refused(placed, tally)
        return
    began = time.perf_counter()
    made = await _post(client, tally, "createCheckoutHold", HOLD, hold_of(body))
    if not made.get("hold"):
        _refused(made, tally)
        return
    hold_id = made["hold"]["id"]
    if mode == "hold":
        tally.holds.add(hold_id)
        return
    placed = await _post(client, tally, "placeOrder(checkoutHoldId)", PLACE, body | {"checkoutHoldId": hold_id})
    if not placed.get("order"):
        tally.holds.add(hold_id)
        tally.errors += 1 if placed else 0  # a live hold of ours must convert: any userError is an error
        return
    tally.latencies.setdefault("checkout", []).append(time.perf_counter() - began)
    tally.orders.add(placed["order"]["id"])
    tally.converted[hold_id] = placed["order"]["id"]


async def warm_up(port: int, clients: int, tally: Tally) -> None:
    """Untimed, the same for every mode: each connection places an order, makes a hold and converts another,
    on the warm-up SKU, so the server's connections have prepared every statement the modes run."""
    rng = random.Random(1)

    async def one(n: int) -> None:
        client = Connection("127.0.0.1", port, HEADERS)
        for mode in MODES:
            await shop(mode, client, tally, order(f"warm-{mode}-{n}", rng, WARM))
        await client.close()

    await asyncio.gather(*(one(n) for n in range(clients)))


def _percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies) or [0.0]
    return {
        "count": len(latencies),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000, 1),
    }


async def drive(mode: str, port: int, carts: list[dict[str, Any]], clients: int) -> tuple[dict[str, Any], Tally]:
    tally = Tally()
    queue = list(reversed(carts))

    async def worker() -> None:
        client = Connection("127.0.0.1", port, HEADERS)
        while queue:
            await shop(mode, client, tally, queue.pop())
        await client.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    seconds = time.perf_counter() - began
    done = {"place": len(tally.orders), "hold": len(tally.holds), "checkout": len(tally.converted)}[mode]
    found = {
        "shoppers": len(carts),
        "requests": tally.requests,
        "seconds": round(seconds, 2),
        "requests_per_second": round(tally.requests / seconds, 1),
        "completed": done,
        "completed_per_second": round(done / seconds, 1),
        "steps": {step: _percentiles(x) for step, x in tally.latencies.items()},
        "refused": tally.refused,
        "errors": tally.errors,
    }
    return found, tally


async def check(url: str, tally: Tally) -> dict[str, Any]:
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        oversold = await conn.fetchval("SELECT count(*) FROM positions WHERE reserved > on_hand")
        reserved = await conn.fetchval("SELECT COALESCE(sum(reserved), 0) FROM positions")
        ordered = await conn.fetchval("SELECT COALESCE(sum(quantity), 0) FROM order_lines")
        held = await conn.fetchval(
            "SELECT COALESCE(sum(l.quantity), 0) FROM hold_lines l JOIN checkout_holds h ON h.id = l.hold_id "
            "WHERE h.status = 'ACTIVE' AND h.expires_at > now()"
        )
        orders = await conn.fetchval("SELECT count(*) FROM orders")
        statuses = dict(await conn.fetch("SELECT status, count(*) FROM checkout_holds GROUP BY status"))
        rows = await conn.fetch(
            "SELECT id, status, order_id FROM checkout_holds WHERE id = ANY($1::text[])", list(tally.converted)
        )
    finally:
        await conn.close()
    wrong = [r["id"] for r in rows if r["status"] != "CONVERTED" or r["order_id"] != tally.converted[r["id"]]]
    return {
        "oversold_positions": oversold,
        "reserved_units": reserved,
        "ordered_units": ordered,
        "active_hold_units": held,
        "orders_stored": orders,
        "orders_acknowledged": len(tally.orders),
        "holds_by_status": statuses,
        "holds_acknowledged_active": len(tally.holds),
        "converted_acknowledged": len(tally.converted),
        "converted_wrong": len(wrong) + len(tally.converted) - len(rows),
    }


def verify(verdict: dict[str, Any], errors: int) -> None:
    assert verdict["oversold_positions"] == 0, "oversold!"
    units = verdict["ordered_units"] + verdict["active_hold_units"]
    assert verdict["reserved_units"] == units, "reserved units are not the orders' plus the active holds'"
    assert verdict["orders_stored"] == verdict["orders_acknowledged"], "lost or extra orders"
    statuses = verdict["holds_by_status"]
    assert statuses.get("ACTIVE", 0) == verdict["holds_acknowledged_active"], "lost or extra holds"
    assert statuses.get("CONVERTED", 0) == verdict["converted_acknowledged"], "lost or extra conversions"
    assert verdict["converted_wrong"] == 0, "a converted hold is not CONVERTED into its order"
    assert errors == 0, f"{errors} errors"


async def statements(url: str) -> dict[str, float]:
    """SQL statements per warm request of each step, counted in an in-process app on the same database."""
    rng = random.Random(5)
    found: dict[str, list[int]] = {"placeOrder": [], "createCheckoutHold": [], "placeOrder(checkoutHoldId)": []}
    async with in_process(url) as (port, resources), httpx.AsyncClient(timeout=60) as client:
        counter = resources.db.statements

        async def post(step: str | None, query: str, body: dict[str, Any]) -> dict[str, Any]:
            rid = uuid.uuid4().hex
            payload = {"query": query, "variables": {"input": body}}
            answer = await client.post(
                f"http://127.0.0.1:{port}/graphql", json=payload, headers=HEADERS | {"x-request-id": rid}
            )
            if step is not None:
                found[step].append(counter.by_request.get(rid, 0))
            return dict(answer.json()["data"])

        for n in range(12):
            counted = n >= 2  # two rounds warm the caches first
            body = order(f"count-{n}", rng, WARM)
            await post("placeOrder" if counted else None, PLACE, body | {"idempotencyKey": f"count-place-{n}"})
            made = await post("createCheckoutHold" if counted else None, HOLD, hold_of(body))
            hold_id = made["createCheckoutHold"]["hold"]["id"]
            step = "placeOrder(checkoutHoldId)" if counted else None
            await post(step, PLACE, body | {"checkoutHoldId": hold_id})
    return {step: round(statistics.mean(x), 2) for step, x in found.items()}


async def measure(mode: str, carts: list[dict[str, Any]], clients: int, *, count: bool) -> dict[str, Any]:
    """One mode against our server on a freshly seeded database, checked afterwards."""
    async with scratch_database() as url:
        await seed(url, per_location=30)  # 10 SKUs x 5 locations x 30 = 1,500 units
        port = free_port()
        env = {**SERVER_ENV, "DATABASE_URL": url, "REDIS_URL": REDIS, "OMS_DB_POOL_SIZE": str(clients)}
        command = ["-m", "uvicorn", "oms.asgi:app", "--port", str(port), "--no-access-log", "--workers", "1"]
        command += ["--timeout-keep-alive", "60"]
        print(f"  checkout: {mode}, {len(carts):,} shoppers, {clients} connections", flush=True)
        with server(command, env, port) as process:
            warm = Tally()
            await warm_up(port, clients, warm)
            assert warm.errors == 0 and warm.refused == 0, "the warm-up failed"
            cpu_before = cpu_seconds(process.pid)
            found, tally = await drive(mode, port, carts, clients)
            found["cpu_ms_per_request"] = round((cpu_seconds(process.pid) - cpu_before) * 1000 / tally.requests, 2)
            found["peak_rss_mb"] = peak_rss_mb(process.pid)
        tally.orders |= warm.orders
        tally.holds |= warm.holds
        tally.converted |= warm.converted
        verdict = await check(url, tally)
        print(f"  {verdict}", flush=True)
        verify(verdict, found["errors"])
        found["statements_per_request"] = await statements(url) if count else None
    return {"ours": found, "verdict": verdict}


def ratios(found: dict[str, dict[str, Any]]) -> dict[str, float]:
    """hold / placeOrder and (hold + convert) / placeOrder: of throughput (>1 is faster) and of p50 (>1 slower)."""
    place, hold, both = (found[m]["ours"] for m in MODES)
    base_rate, base_p50 = place["completed_per_second"], place["steps"]["placeOrder"]["p50_ms"]
    return {
        "hold_over_place_per_second": round(hold["completed_per_second"] / base_rate, 2),
        "hold_over_place_p50": round(hold["steps"]["createCheckoutHold"]["p50_ms"] / base_p50, 2),
        "checkout_over_place_per_second": round(both["completed_per_second"] / base_rate, 2),
        "checkout_over_place_p50": round(both["steps"]["checkout"]["p50_ms"] / base_p50, 2),
    }


async def main(shoppers: int, clients: int) -> dict[str, Any]:
    rng = random.Random(9)
    carts = [order(uuid.uuid4().hex, rng) for _ in range(shoppers)]
    found = {m: await measure(m, carts, clients, count=m == "checkout") for m in MODES}
    counted = found["checkout"]["ours"]["statements_per_request"]
    for m in MODES:
        found[m]["ours"]["statements_per_request"] = counted
    result = {"shoppers": shoppers, "clients": clients, "workers": 1, "modes": found, "ratios": ratios(found)}
    write_result("checkout", result)
    for line in summary(result):
        print(line)
    return result


def summary(result: dict[str, Any]) -> list[str]:
    """Plain lines: requests/s, completed/s, p50/p99 per step, and the two ratios."""
    lines = []
    for mode, x in result["modes"].items():
        o = x["ours"]
        steps = "; ".join(f"{s} p50 {v['p50_ms']} ms p99 {v['p99_ms']} ms" for s, v in o["steps"].items())
        lines.append(
            f"checkout/{mode}: {o['requests_per_second']} req/s, {o['completed_per_second']} completed/s "
            f"({o['completed']} of {o['shoppers']}, {o['refused']} refused, {o['errors']} errors); {steps}; "
            f"{o['cpu_ms_per_request']} CPU ms/req"
        )
    r = result["ratios"]
    lines.append(
        f"checkout ratios: hold/placeOrder {r['hold_over_place_per_second']}x per second, "
        f"{r['hold_over_place_p50']}x p50; (hold+convert)/placeOrder {r['checkout_over_place_per_second']}x "
        f"per second, {r['checkout_over_place_p50']}x p50"
    )
    return lines


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--shoppers", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.shoppers, args.clients))
