"""The soak's steady mixed load (bench/soak.py): paced loops per kind of request, and WebSocket subscribers.

Every kind runs at a fixed rate over its own keep-alive connections (bench.loadgen), so the server sees the
same load in the last minute as in the first; a loop that falls behind does not try to catch up (the rate
it achieved is reported). Every answer is recorded with its time since the start: (t, kind, latency, ok).

Kinds: `pdp` (availability of 1 hot SKU, every location), `plp` (`_entities` of 24 Products with
availability), `cart` (fulfillmentOptions of a 5-line cart), `order` (placeOrder, 1 unit), `hold`
(createCheckoutHold), then per hold one of: `convert` (placeOrder with its checkoutHoldId), `release`
(releaseCheckoutHold), or nothing (abandoned with the shortest TTL: the sweeper expires it), `sync`
(syncInventory DELTA +1 on a watched SKU, round-robin) and `event` (a subscriber's receipt of
availabilityChanged, timed from the sync that moved its SKU).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from bench.checkout import HOLD
from bench.harness import TOKEN
from bench.loadgen import Connection, LoadError
from bench.place_order import PLACE
from bench.scenarios import CART, PDP, PLP

HOT = 20  # bench.datasets.seed_availability_dataset: B-00000..B-00019 stocked at every location
SELL = [f"B-{n:05d}" for n in range(10)]  # ordered and held
WATCHED = [f"B-{n:05d}" for n in range(10, HOT)]  # synced, and watched by the subscribers
RATES = {"pdp": 8.0, "plp": 3.0, "cart": 3.0, "order": 3.0, "hold": 3.0, "sync": 2.0}  # per second
CONNECTIONS = {"pdp": 2, "plp": 2, "cart": 2, "order": 2, "hold": 2, "sync": 1}
FATES = ("convert", "convert", "release", "abandon")  # of each hold, in turn
LIVE_TTL, ABANDONED_TTL = 900, 60  # seconds; 60 is the shortest a hold may have
HEADERS = {"authorization": f"Bearer {TOKEN}"}
RETRIES = 5
RELEASE = "mutation($id: ID!) { releaseCheckoutHold(id: $id) { hold { id status } userErrors { code } } }"
SYNC = """mutation($input: InventorySyncInput!) {
  syncInventory(input: $input) { applied ignoredStale duplicates userErrors { code } } }"""
WATCH = """subscription($skus: [String!]!) {
  availabilityChanged(skus: $skus, channel: "web", market: "US") { sku atp onHand } }"""
TRUTH = """query($skus: [String!]!) { availability(skus: $skus, channel: "web", market: "US") { sku onHand } }"""


@dataclass
class Tally:
    """What the load saw: every answer, and the ids the server acknowledged (for the checks afterwards)."""

    began: float = field(default_factory=time.perf_counter)
    samples: list[tuple[float, str, float, bool]] = field(default_factory=list)  # t, kind, latency s, ok
    errors: dict[str, int] = field(default_factory=dict)
    orders: set[str] = field(default_factory=set)
    holds: dict[str, str] = field(default_factory=dict)  # hold id -> fate
    converted: dict[str, str] = field(default_factory=dict)  # hold id -> order id
    refused: int = 0
    behind: dict[str, int] = field(default_factory=dict)  # slots a loop skipped because it was late
    synced_at: dict[str, float] = field(default_factory=dict)  # watched SKU -> when its last sync was sent

    def now(self) -> float:
        return time.perf_counter() - self.began

    def record(self, kind: str, started: float, ok: bool) -> None:
        self.samples.append((started - self.began, kind, time.perf_counter() - started, ok))
        if not ok:
            self.error(kind)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


async def call(client: Connection, tally: Tally, kind: str, body: dict[str, Any], field_name: str) -> dict[str, Any]:
    """One request, retried on a failed connection with the same body (so the same idempotency key); the
    payload of `field_name` ({"value": it} when it is not an object), {} (an error, recorded) when there was
    none or the answer had errors."""
    for _ in range(RETRIES):
        started = time.perf_counter()
        try:
            status, answer = await client.post_json("/graphql", body)
        except LoadError:
            tally.error(kind)
            continue
        data = answer.get("data") if status == 200 and isinstance(answer, dict) else None
        ok = bool(data) and not answer.get("errors")
        tally.record(kind, started, ok)
        value = data.get(field_name) if ok and data else None
        return value if isinstance(value, dict) else {"value": value} if value is not None else {}
    return {}


def _order(key: str, sku: str) -> dict[str, Any]:
    return {
        "idempotencyKey": key,
        "channel": "web",
        "market": "US",
        "customer": {"id": f"c{hash(key) % 500}"},
        "lines": [{"sku": sku, "quantity": 1, "unitPrice": 20.0}],
        "delivery": {"method": "SHIP", "destination": {"geo": {"lat": 40.7, "lon": -74.0}}},
    }


def _placed(tally: Tally, kind: str, result: dict[str, Any]) -> str | None:
    if result.get("order"):
        return str(result["order"]["id"])
    codes = [e["code"] for e in result.get("userErrors") or []]
    if codes == ["INSUFFICIENT_STOCK"]:
        tally.refused += 1
    elif result:  # no answer at all was counted already
        tally.error(kind)
    return None


class Operations:
    """One request (or one hold and what follows it) of each kind; `n` numbers the calls of a kind."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        self.rng = random.Random(7)
        self.pdp = [{"query": PDP, "variables": {"skus": [f"B-{n:05d}"]}} for n in range(HOT)]
        pages = [[f"B-{HOT + 24 * p + n:05d}" for n in range(24)] for p in range(8)]
        reps = [[{"__typename": "Product", "sku": s} for s in page] for page in pages]
        self.plp = [{"query": PLP, "variables": {"reps": r}} for r in reps]
        carts = [[SELL[c], WATCHED[c]] + [f"B-{500 + 7 * c + n:05d}" for n in range(3)] for c in range(8)]
        self.cart = [{"query": CART, "variables": {"lines": [{"sku": s, "quantity": 1} for s in c]}} for c in carts]

    def of(self, kind: str) -> Callable[[Connection, int], Awaitable[None]]:
        return {
            "pdp": self.read("pdp", self.pdp, "availability"),
            "plp": self.read("plp", self.plp, "_entities"),
            "cart": self.read("cart", self.cart, "fulfillmentOptions"),
            "order": self.order,
            "hold": self.hold,
            "sync": self.sync,
        }[kind]

    def read(self, kind: str, bodies: list[dict[str, Any]], name: str) -> Callable[[Connection, int], Awaitable[None]]:
        async def one(client: Connection, n: int) -> None:
            await call(client, self.tally, kind, bodies[n % len(bodies)], name)

        return one

    async def order(self, client: Connection, n: int) -> None:
        body = {"query": PLACE, "variables": {"input": _order(uuid.uuid4().hex, SELL[n % len(SELL)])}}
        placed = _placed(self.tally, "order", await call(client, self.tally, "order", body, "placeOrder"))
        if placed:
            self.tally.orders.add(placed)

    async def hold(self, client: Connection, n: int) -> None:
        fate = FATES[n % len(FATES)]
        cart = _order(uuid.uuid4().hex, SELL[(n // len(FATES)) % len(SELL)])
        lines = [{"sku": x["sku"], "quantity": x["quantity"]} for x in cart["lines"]]
        ttl = ABANDONED_TTL if fate == "abandon" else LIVE_TTL
        hold = {"idempotencyKey": f"h-{cart['idempotencyKey']}", "lines": lines, "ttlSeconds": ttl}
        hold |= {k: cart[k] for k in ("channel", "market", "delivery")}
        body = {"query": HOLD, "variables": {"input": hold}}
        made = await call(client, self.tally, "hold", body, "createCheckoutHold")
        if not made.get("hold"):
            _placed(self.tally, "hold", made)
            return
        hold_id = str(made["hold"]["id"])
        self.tally.holds[hold_id] = fate
        if fate == "convert":
            body = {"query": PLACE, "variables": {"input": cart | {"checkoutHoldId": hold_id}}}
            placed = await call(client, self.tally, "convert", body, "placeOrder")
            if placed.get("order"):
                self.tally.orders.add(placed["order"]["id"])
                self.tally.converted[hold_id] = placed["order"]["id"]
            else:
                self.tally.holds[hold_id] = "convert failed"
                self.tally.error("convert")  # a live hold of ours must convert
        elif fate == "release":
            body = {"query": RELEASE, "variables": {"id": hold_id}}
            released = await call(client, self.tally, "release", body, "releaseCheckoutHold")
            if (released.get("hold") or {}).get("status") != "RELEASED":
                self.tally.holds[hold_id] = "release failed"
                self.tally.error("release")

    async def sync(self, client: Connection, n: int) -> None:
        sku = WATCHED[n % len(WATCHED)]
        update = {"sku": sku, "locationId": f"loc-{self.rng.randrange(200):03d}", "quantity": 1}
        update |= {"asOf": datetime.now(UTC).isoformat(), "eventId": f"soak-{uuid.uuid4().hex}"}
        body = {"query": SYNC, "variables": {"input": {"source": "soak", "mode": "DELTA", "updates": [update]}}}
        self.tally.synced_at[sku] = time.perf_counter()
        applied = await call(client, self.tally, "sync", body, "syncInventory")
        if applied and applied.get("applied") != 1:
            self.tally.error("sync")


async def paced(
    port: int, tally: Tally, kind: str, op: Callable[[Connection, int], Awaitable[None]], until: float
) -> None:
    """`RATES[kind]` calls per second over `CONNECTIONS[kind]` connections, evenly spaced, until `until`
    (perf_counter); a connection that is late by a whole interval skips the slot (counted in `behind`)."""
    count = CONNECTIONS[kind]
    interval = count / RATES[kind]
    numbers = iter(range(10**9))

    async def one(offset: float) -> None:
        client = Connection("127.0.0.1", port, HEADERS)
        due = time.perf_counter() + offset
        while due < until:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            await op(client, next(numbers))
            due += interval
            if time.perf_counter() > due + interval:
                tally.behind[kind] = tally.behind.get(kind, 0) + 1
                due = time.perf_counter()
        await client.close()

    phase = random.Random(kind).random() * interval  # the kinds' loops are not in step with each other
    await asyncio.gather(*(one(phase + interval * c / count) for c in range(count)))


class Subscriber:
    """One graphql-transport-ws connection watching one SKU; keeps (t, onHand) of every `next`."""

    def __init__(self, ws: ClientConnection, sku: str, tally: Tally) -> None:
        self.ws, self.sku, self.tally = ws, sku, tally
        self.events: list[tuple[float, int]] = []
        self.failed: str | None = None
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                at = time.perf_counter()
                message = json.loads(raw)
                if message.get("type") == "ping":
                    await self.ws.send(json.dumps({"type": "pong"}))
                elif message.get("type") == "next" and not message["payload"].get("errors"):
                    value = message["payload"]["data"]["availabilityChanged"]
                    self.events.append((at - self.tally.began, int(value["onHand"])))
                    sent = self.tally.synced_at.get(self.sku)
                    if sent is not None:
                        self.tally.samples.append((sent - self.tally.began, "event", at - sent, True))
                elif message.get("type") in ("next", "error", "complete"):
                    self.failed = str(message)[:300]
                    self.tally.error("event")
            self.failed = self.failed or "closed by the server"
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - whatever ended it is the finding
            self.failed = repr(error)[:300]


async def subscribe(port: int, sku: str, tally: Tally) -> Subscriber:
    url = f"ws://127.0.0.1:{port}/graphql"
    ws = await connect(url, subprotocols=["graphql-transport-ws"], ping_interval=None)  # type: ignore[list-item]
    await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {TOKEN}"}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    payload = {"query": WATCH, "variables": {"skus": [sku]}}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    return Subscriber(ws, sku, tally)


async def close(subscribers: list[Subscriber]) -> None:
    for s in subscribers:
        s.task.cancel()
        with contextlib.suppress(Exception):
            await s.ws.close()


async def truth(port: int) -> dict[str, int]:
    """The watched SKUs' onHand as a query reads it now."""
    client = Connection("127.0.0.1", port, HEADERS)
    try:
        status, answer = await client.post_json("/graphql", {"query": TRUTH, "variables": {"skus": WATCHED}})
    finally:
        await client.close()
    assert status == 200 and not answer.get("errors"), answer
    return {a["sku"]: int(a["onHand"]) for a in answer["data"]["availability"]}
