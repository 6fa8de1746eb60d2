"""Past weeks of store work for the demo network, made by code and deterministic from a seed.

`make run` seeds it so the operations report (`/console`, Reports) shows something real on a fresh
machine: orders over the past weeks with a daily rhythm, picked, packed and handed over, some split over
two stores, some picked short, some cancelled. The stores differ
(pick speed, care) and one store's short picks rise over the last week, which the charts should make
plain. Rows are written as the OMS itself writes them (orders, lines, fulfillments with their step log,
pick lists and lines, order events), so every screen reads them; stock is not touched (it is the past).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from domain.locations import FulfillmentMethod, Location, LocationType

CHANNELS = (("web", 0.6), ("app", 0.3), ("pos", 0.1))
PEAK_ORDERS_PER_HOUR = 9  # over the whole network, at the evening peak
STEPS = ["PICK", "PACK", "HANDOVER"]
MAX_STORES = 12
SETTLED = timedelta(hours=24)  # the slowest store (8 h turnaround) hands over within 2.5 turnarounds: 20 h


@dataclass
class Rows:
    """Rows per table, in insertion order."""

    tables: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {
            name: []
            for name in (
                "orders",
                "order_lines",
                "fulfillments",
                "fulfillment_lines",
                "pick_lists",
                "pick_lines",
                "order_events",
            )
        }
    )

    def count(self, table: str) -> int:
        return len(self.tables[table])


@dataclass(frozen=True)
class Store:
    location: Location
    pick_minutes: float  # typical minutes from list to picked
    short_rate: float
    rising_shorts: bool  # this store's short picks rise over the last week


def stores(locations: Sequence[Location], rng: random.Random) -> list[Store]:
    chosen = [x for x in locations if x.type in (LocationType.STORE, LocationType.HUB_STORE)][:MAX_STORES]
    return [
        Store(loc, rng.choice((6.0, 9.0, 14.0, 22.0)), rng.choice((0.02, 0.04, 0.07)), n == 1)
        for n, loc in enumerate(chosen)
    ]


def hourly_rate(at: datetime) -> float:
    """Orders per hour over the network: quiet at night, a lunchtime bump, an evening peak."""
    hour = at.hour + at.minute / 60
    rhythm = 0.15 + 0.5 * math.exp(-(((hour - 12.5) / 2.0) ** 2)) + math.exp(-(((hour - 19.0) / 2.5) ** 2))
    return PEAK_ORDERS_PER_HOUR * rhythm * (1.15 if at.weekday() >= 5 else 1.0)


def order_times(start: datetime, end: datetime, rng: random.Random) -> Iterator[datetime]:
    at = start
    while at < end:
        at += timedelta(hours=rng.expovariate(max(hourly_rate(at), 0.1)))
        if at < end:
            yield at


def generate(locations: Sequence[Location], skus: Sequence[str], now: datetime, days: int, seed: int = 42) -> Rows:
    """`days` of orders ending a day before `now`: every one of them is done (handed over, collected or
    cancelled) by `now`, so the history leaves no open work behind (no fulfillment to pick or hand over
    without the reservation a live order holds); today is left to live orders."""
    rng = random.Random(seed)
    network = stores(locations, rng)
    rows = Rows()
    if not network or not skus:
        return rows
    for n, placed in enumerate(order_times(now - timedelta(days=days), now - SETTLED, rng)):
        _order(rows, rng, network=network, skus=skus, oid=f"ord_hist{seed}_{n:06d}", placed=placed, now=now)
    return rows


def _order(
    rows: Rows,
    rng: random.Random,
    *,
    network: list[Store],
    skus: Sequence[str],
    oid: str,
    placed: datetime,
    now: datetime,
) -> None:
    channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
    lines = [(rng.choice(skus), rng.choice((1, 1, 1, 2, 3))) for _ in range(rng.choice((1, 1, 2, 3)))]
    lines = list(dict(lines).items())  # one line per SKU
    split = len(lines) > 1 and rng.random() < 0.25
    first = rng.choice(network)
    parts = [(first, lines[:1]), (rng.choice([s for s in network if s is not first]), lines[1:])] if split else []
    parts = parts or [(first, lines)]
    method = (
        FulfillmentMethod.PICKUP
        if FulfillmentMethod.PICKUP in first.location.capabilities and rng.random() < 0.3
        else FulfillmentMethod.SHIP
    )
    cancelled = rng.random() < 0.035
    outcomes = [
        _fulfillment(
            rows, rng, store=store, lines=part, oid=oid, n=n, placed=placed, now=now, method=method, cancelled=cancelled
        )
        for n, (store, part) in enumerate(parts)
    ]
    status = "CANCELLED" if cancelled else "FULFILLED" if all(outcomes) else "IN_FULFILLMENT"
    last = max(placed, *(x for x in outcomes if x is not None)) if not cancelled and all(outcomes) else placed
    rows.tables["orders"].append(
        {
            "id": oid,
            "idempotency_key": f"history-{oid}",
            "fingerprint": "history",
            "status": status,
            "on_hold": False,
            "channel": channel,
            "market": first.location.markets[0],
            "customer_id": f"cust-{rng.randrange(1, 400):04d}",
            "delivery": {
                "method": method.value,
                "pickup_location_id": first.location.id if method is FulfillmentMethod.PICKUP else None,
                "geo": [first.location.geo.lat, first.location.geo.lon],
                "postal_code": None,
                "country": None,
            },
            "total": float(sum(q for _, q in lines) * 25),
            "plan": _plan(parts),
            "created_at": placed,
            "updated_at": last,
        }
    )
    rows.tables["order_lines"].extend(
        {"order_id": oid, "line_no": n, "sku": sku, "quantity": q, "unit_price": 25.0, "services": []}
        for n, (sku, q) in enumerate(lines, start=1)
    )
    rows.tables["order_events"].append(
        {
            "order_id": oid,
            "type": "order.created",
            "status": "ALLOCATED",
            "at": placed,
            "message": f"{len(parts)} shipment(s), seeded history",
        }
    )
    if status != "IN_FULFILLMENT":
        rows.tables["order_events"].append(
            {"order_id": oid, "type": "order.status_changed", "status": status, "at": last, "message": None}
        )


def _plan(parts: list[tuple[Store, list[tuple[str, int]]]]) -> dict[str, Any]:
    """Where the order's units were reserved, as the OMS stores a plan: the lab replays against it."""
    allocations = [
        {"location_id": store.location.id, "sku": sku, "quantity": q, "reasons": ["seeded history"]}
        for store, part in parts
        for sku, q in part
    ]
    return {"profile_id": "default", "weights": {}, "allocations": allocations, "unallocated": []}


def _short_rate(store: Store, placed: datetime, now: datetime) -> float:
    return store.short_rate * (4.0 if store.rising_shorts and now - placed < timedelta(days=7) else 1.0)


def _fulfillment(
    rows: Rows,
    rng: random.Random,
    *,
    store: Store,
    lines: list[tuple[str, int]],
    oid: str,
    n: int,
    placed: datetime,
    now: datetime,
    method: FulfillmentMethod,
    cancelled: bool,
) -> datetime | None:
    """One store's part; when it was handed over (None: cancelled)."""
    fid, lid = f"ful_{oid[4:]}_{n}", f"pl_{oid[4:]}_{n}"
    list_made = placed + timedelta(minutes=rng.uniform(2, 40))
    picked = list_made + timedelta(minutes=rng.lognormvariate(math.log(store.pick_minutes), 0.45))
    packed = picked + timedelta(minutes=rng.uniform(2, 12))
    turnaround = timedelta(hours=store.location.turnaround_hours or 4.0)
    handed = placed + (
        turnaround * rng.uniform(0.3, 0.95) if rng.random() < 0.9 else turnaround * rng.uniform(1.05, 2.5)
    )
    handed = max(handed, packed + timedelta(minutes=1))
    shorts = [min(q, 1) if rng.random() < _short_rate(store, placed, now) else 0 for _, q in lines]
    handed = min(handed, now - timedelta(minutes=1))  # done by now, whatever the store's turnaround
    log: list[dict[str, Any]] = []
    if cancelled:
        status, updated = "CANCELLED", placed + timedelta(minutes=rng.uniform(5, 90))
    else:
        status = "COLLECTED" if method is FulfillmentMethod.PICKUP else "SHIPPED"
        log = [_step(s, at, store) for s, at in (("PICK", picked), ("PACK", packed), ("HANDOVER", handed))]
        updated = handed
    rows.tables["fulfillments"].append(
        {
            "id": fid,
            "order_id": oid,
            "location_id": store.location.id,
            "method": method.value,
            "status": status,
            "day": placed.date().isoformat(),
            "steps": STEPS,
            "step_log": log,
            "created_at": placed,
            "updated_at": updated,
        }
    )
    rows.tables["fulfillment_lines"].extend(
        {"fulfillment_id": fid, "sku": sku, "quantity": q - s} for (sku, q), s in zip(lines, shorts, strict=True)
    )
    if not cancelled:
        _pick_list(
            rows, store=store, lid=lid, fid=fid, oid=oid, lines=lines, shorts=shorts, made=list_made, picked=picked
        )
    return None if cancelled else handed


def _step(step: str, at: datetime, store: Store) -> dict[str, Any]:
    return {
        "step": step,
        "action": "DONE",
        "by": f"associate@{store.location.id}",
        "at": at.isoformat(),
        "reason": None,
    }


def _pick_list(
    rows: Rows,
    *,
    store: Store,
    lid: str,
    fid: str,
    oid: str,
    lines: list[tuple[str, int]],
    shorts: list[int],
    made: datetime,
    picked: datetime,
) -> None:
    rows.tables["pick_lists"].append(
        {
            "id": lid,
            "location_id": store.location.id,
            "process_id": store.location.pick_process_id or "store",
            "mode": "ORDER",
            "scan_to_pick": False,
            "status": "DONE",
            "created_at": made,
            "updated_at": picked,
        }
    )
    rows.tables["pick_lines"].extend(
        {
            "id": f"{lid}_{seq}",
            "pick_list_id": lid,
            "seq": seq,
            "fulfillment_id": fid,
            "order_id": oid,
            "sku": sku,
            "quantity": q,
            "picked": q - s,
            "short": s,
            "short_reason": "NOT_FOUND" if s else None,
            "group_key": oid,
            "slot": 1,
        }
        for seq, ((sku, q), s) in enumerate(zip(lines, shorts, strict=True), start=1)
    )
