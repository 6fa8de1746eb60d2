"""The inventory ledger's past for the seeded history (app/history.py), agreeing with today's positions.

The history's orders are written as rows with past times, so the triggers on
`positions` never saw them. For the decision lab to replay them against the
stock as it stood, each position the history could touch gets the rows the OMS
would have written: a `seed` row at the history's start with the stock it had
then, then per order its reservation, its short pick, its shipment or its
cancellation, plus a few feed deltas (restocks) and counts that corrected the
books, each with the running figures. The start is worked back from today's
figures (plus what left, minus what arrived), so the last row of every position
equals the position as it is now. Where a cancelled order's reservation would
have held more than the books had, the start is raised and a closing count
corrects the difference: the books never went below what was reserved.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.history import Rows
from domain.ledger import Cause

RESTOCK_SHARE = 0.04  # of touched positions, restocked by a feed once during the history
COUNT_SHARE = 0.06  # of touched positions, counted once with a difference from the books
CONFIRM_SHARE = 0.3  # of touched positions, counted once and found as the books said (a ledger row all the same)


@dataclass(frozen=True, slots=True)
class Move:
    at: datetime
    cause: Cause
    ref: str
    on_hand: int  # change
    reserved: int  # change


Key = tuple[str, str]  # (location, sku)


def moves(rows: Rows) -> dict[Key, list[Move]]:
    """What the history's orders did to each position, from their plans, pick lines and fulfillments."""
    found: dict[Key, list[Move]] = {}
    t = rows.tables
    placed = {o["id"]: o["created_at"] for o in t["orders"]}
    for order in t["orders"]:
        for a in order["plan"]["allocations"]:
            key = (a["location_id"], a["sku"])
            found.setdefault(key, []).append(Move(order["created_at"], Cause.ORDER, order["id"], 0, a["quantity"]))
    reserved = {
        (o["id"], a["location_id"], a["sku"]): a["quantity"] for o in t["orders"] for a in o["plan"]["allocations"]
    }
    picked_at = {p["id"]: p["updated_at"] for p in t["pick_lists"]}
    by_fulfillment: dict[str, list[dict[str, Any]]] = {}
    for line in t["pick_lines"]:
        by_fulfillment.setdefault(line["fulfillment_id"], []).append(line)
    for f in t["fulfillments"]:
        loc, oid = f["location_id"], f["order_id"]
        if f["status"] == "CANCELLED":
            for (o, at_loc, sku), q in reserved.items():
                if o == oid and at_loc == loc:
                    found[(loc, sku)].append(Move(max(f["updated_at"], placed[oid]), Cause.CANCEL, oid, 0, -q))
            continue
        for line in by_fulfillment.get(f["id"], []):
            key = (loc, line["sku"])
            if line["short"]:
                at = picked_at[line["pick_list_id"]]
                found[key].append(Move(at, Cause.SHORT_PICK, line["pick_list_id"], -line["short"], -line["short"]))
            found[key].append(Move(f["updated_at"], Cause.SHIP, f["id"], -line["picked"], -line["picked"]))
    return found


def feeds(found: dict[Key, list[Move]], start: datetime, now: datetime, rng: random.Random) -> None:
    """A few restocks (feed deltas), counts that corrected the books and counts that confirmed them, on
    positions the orders touched (a count that confirms is recorded too, as the live ledger records it)."""
    span = (now - start).total_seconds()
    for n, key in enumerate(sorted(found)):
        at = start + timedelta(seconds=rng.uniform(0.1, 0.9) * span)
        if rng.random() < RESTOCK_SHARE:
            found[key].append(Move(at, Cause.SYNC_DELTA, f"feed-restock-{n}", rng.choice((6, 12, 24)), 0))
        elif rng.random() < COUNT_SHARE:
            found[key].append(Move(at, Cause.SYNC_SNAPSHOT, f"feed-count-{n}", rng.choice((-2, -1, -1, 1)), 0))
        elif rng.random() < CONFIRM_SHARE:
            found[key].append(Move(at, Cause.SYNC_SNAPSHOT, f"feed-count-{n}", 0, 0))


def ledger_rows(
    found: Mapping[Key, list[Move]], current: Mapping[Key, Any], start: datetime, now: datetime
) -> list[dict[str, Any]]:
    """Every position's rows from `start` (a `seed` row) to its figures now, all sorted by time."""
    out: list[dict[str, Any]] = []
    for key, position in current.items():
        out.extend(_position_rows(sorted(found.get(key, []), key=lambda m: m.at), position, start, now))
    out.sort(key=lambda r: r["at"])  # ids follow time: a replay walks the ledger in the order written
    return out


def _position_rows(ms: list[Move], position: Any, start: datetime, now: datetime) -> Iterable[dict[str, Any]]:
    on_hand = position.on_hand - sum(m.on_hand for m in ms)
    reserved = position.reserved - sum(m.reserved for m in ms)
    oh, r = on_hand, reserved
    low = min(0, oh - r, oh)
    for m in ms:
        oh, r = oh + m.on_hand, r + m.reserved
        low = min(low, oh - r, oh)
    if low < 0:  # raise the start, and let a closing count find the units that were never there
        on_hand -= low
        closing = min(max(ms[-1].at, start) + timedelta(minutes=30), now - timedelta(seconds=1))
        ms = [*ms, Move(closing, Cause.SYNC_SNAPSHOT, "feed-count-closing", low, 0)]
    base = {
        "sku": position.sku,
        "location_id": position.location_id,
        "source": position.last_source,
        "inbound": position.inbound,
        "inbound_eta": position.inbound_eta,
        "inbound_promised": position.inbound_promised,
    }
    yield base | {
        "at": start,
        "cause": Cause.SEED.value,
        "ref": "demo-history",
        "on_hand": on_hand,
        "reserved": reserved,
    }
    for m in ms:
        on_hand, reserved = on_hand + m.on_hand, reserved + m.reserved
        if m.on_hand or m.reserved or m.cause is Cause.SYNC_SNAPSHOT:  # a count is recorded, confirming or not
            yield base | {"at": m.at, "cause": m.cause.value, "ref": m.ref, "on_hand": on_hand, "reserved": reserved}
