"""The inventory ledger: every path that changes a position leaves a row with its cause, reference and figures.

Each test walks some paths through the API and checks the ledger rows they left, in the order written;
a row with a cause the domain does not know (`unknown`: a writer that named none) fails every test here.
A static test checks that every statement in `app/` that writes `positions` names a cause.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.store.tables.inventory import positions
from app.store.tables.ledger import hold_spans, inventory_ledger
from domain.ledger import KNOWN
from tests.api import checkout as holds
from tests.api.network import availability, sync, update
from tests.api.picking import (
    COMPLETE_STEP,
    HAND_OVER,
    confirm,
    generate,
    order,
    place,
    process,
    store,
)
from tests.api.test_edit_order_api import edit, network
from tests.api.test_edit_order_api import place as place_near
from tests.api.test_store_closing_api import closing_store, set_active
from tests.api.test_tasks_api import COMPLETE, RECEIVE, shipped_return, shop
from tests.api.transfers import RECEIVE as RECEIVE_TRANSFER
from tests.api.transfers import legs, place_pickup, ship_leg
from tests.api.transfers import network as transfer_network
from tests.api.transfers import order as transfer_order
from tests.harness import ADMIN_TOKEN, Api

ROOT = Path(__file__).resolve().parents[2]


async def ledger(api: Api, after: int = 0) -> list[dict[str, Any]]:
    """Ledger rows written after row `after`, oldest first; none may have an unknown cause."""
    lg = inventory_ledger.c
    async with api.server.resources.db.read() as conn:
        rows = [
            dict(r._mapping) for r in await conn.execute(select(inventory_ledger).where(lg.id > after).order_by(lg.id))
        ]
    unknown = [r for r in rows if r["cause"] not in KNOWN]
    assert not unknown, f"ledger rows with an unknown cause: {unknown}"
    return rows


async def last_id(api: Api) -> int:
    rows = await ledger(api)
    return int(rows[-1]["id"]) if rows else 0


def causes(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(r["cause"], r["location_id"], r["sku"]) for r in rows]


async def matches_positions(api: Api) -> None:
    """Each position's last ledger row holds its current figures: the ledger never lags the view."""
    async with api.server.resources.db.read() as conn:
        current = {
            (r.location_id, r.sku): (r.on_hand, r.reserved, r.inbound, r.inbound_promised)
            for r in await conn.execute(select(positions))
        }
    last: dict[tuple[str, str], tuple[int, int, int, int]] = {}
    for r in await ledger(api):
        last[(r["location_id"], r["sku"])] = (r["on_hand"], r["reserved"], r["inbound"], r["inbound_promised"])
    assert last == current


async def test_feeds_orders_holds_and_cancellations_each_leave_their_cause(api: Api) -> None:
    await holds.one_store(api, 10)
    first = await ledger(api)
    assert causes(first) == [("sync_snapshot", "s1", "A")] and first[0]["on_hand"] == 10
    assert first[0]["source"] == "pos"
    mark = await last_id(api)
    await sync(api, "DELTA", update("A", "s1", -2, eventId="e1"))
    await sync(api, "DELTA", update("A", "s1", -2, eventId="e1"))  # a replay: no change, no row
    order = (await holds.place(api, ADMIN_TOKEN, key="o1", quantity=3))["order"]
    hold = (await holds.create(api, ADMIN_TOKEN, key="h1", quantity=2))["hold"]
    released = await holds.create(api, ADMIN_TOKEN, key="h2", quantity=1)
    await api.gql(holds.RELEASE, {"id": released["hold"]["id"]}, token=ADMIN_TOKEN)
    assert (await api.gql(holds.CANCEL, {"id": order["id"]}))["cancelOrder"]["userErrors"] == []
    rows = await ledger(api, mark)
    assert [(r["cause"], r["ref"], r["on_hand"], r["reserved"]) for r in rows] == [
        ("sync_delta", "e1", 8, 0),
        ("order", order["id"], 8, 3),
        ("hold", hold["id"], 8, 5),
        ("hold", released["hold"]["id"], 8, 6),
        ("hold_release", released["hold"]["id"], 8, 5),
        ("cancel", order["id"], 8, 2),
    ]
    assert all(r["at"] is not None for r in rows)
    converted = (await holds.place(api, ADMIN_TOKEN, key="o2", quantity=2, checkoutHoldId=hold["id"]))["order"]
    assert converted is not None
    async with api.server.resources.db.read() as conn:
        spans = {r.hold_id: r for r in await conn.execute(select(hold_spans))}
    assert spans[hold["id"]].ended_at is not None and spans[released["hold"]["id"]].ended_at is not None
    await matches_positions(api)


async def test_picks_short_picks_and_shipping_leave_their_cause(api: Api) -> None:
    await store(api, process(shortPickPolicy="REROUTE_NOW"), stock=3, backup=5)
    mark = await last_id(api)
    order_id = (await place(api, "short", [("A", 3)]))["id"]
    [pick_list] = await generate(api)
    line = pick_list["lines"][0]
    await confirm(api, pick_list["id"], {"pickLineId": line["id"], "quantity": 1, "shortReason": "NOT_FOUND"})
    s1 = next(f for f in (await order(api, order_id))["fulfillments"] if f["location"]["id"] == "s1")
    assert (await api.gql(COMPLETE_STEP, {"id": s1["id"], "step": "PACK"}))["completeStep"]["userErrors"] == []
    assert (await api.gql(HAND_OVER, {"id": s1["id"], "tracking": "T1"}))["handOver"]["userErrors"] == []
    rows = await ledger(api, mark)
    assert [(c, loc) for c, loc, _ in causes(rows)] == [
        ("order", "s1"),
        ("short_pick", "s1"),
        ("reroute", "s2"),
        ("ship", "s1"),
    ]
    assert rows[0]["ref"] == order_id and rows[1]["on_hand"] == 1 and rows[-1]["on_hand"] == 0
    await matches_positions(api)


async def test_a_shipment_and_a_restocked_return_leave_their_cause(api: Api) -> None:
    await shop(api)
    return_id = await shipped_return(api, 2)
    task = (await api.gql(RECEIVE, {"id": return_id, "loc": "s1"}))["receiveReturn"]["task"]
    mark = await last_id(api)
    assert (await api.gql(COMPLETE, {"id": task["id"], "outcome": "RESTOCK"}))["completeTask"]["userErrors"] == []
    [row] = await ledger(api, mark)
    assert (row["cause"], row["ref"], row["on_hand"]) == ("return", return_id, 12)
    await matches_positions(api)


async def test_an_edit_and_a_closing_store_leave_their_cause(api: Api) -> None:
    await network(api)
    order = await place_near(api, "k1", [("A", 2)])
    mark = await last_id(api)
    assert (await edit(api, order, changeQuantities=[{"lineId": order["lines"][0]["id"], "quantity": 3}]))[
        "userErrors"
    ] == []
    assert {r["cause"] for r in await ledger(api, mark)} == {"edit"}
    await matches_positions(api)


async def test_closing_a_store_reroutes_with_its_cause(api: Api) -> None:
    ids = await closing_store(api)
    mark = await last_id(api)
    assert (await set_active(api, False, "flood"))["userErrors"] == []
    rows = await ledger(api, mark)
    assert {r["cause"] for r in rows} == {"reroute"}
    assert {r["ref"] for r in rows} == {ids["a"], ids["b"]}  # the two orders moved to s2
    await matches_positions(api)


async def test_backorders_and_their_allocation_leave_their_cause(api: Api) -> None:
    from app.services import preorders as release
    from tests.api.test_backorders_api import place as place_backorder
    from tests.api.test_backorders_api import stocked

    await stocked(api, 0, inbound=5)
    mark = await last_id(api)
    order_id = (await place_backorder(api, "b1", 2))["order"]["id"]
    await sync(api, "SNAPSHOT", update("A", "s1", 3, as_of="2026-11-21T10:00:00+00:00"))
    await release.release_due(api.server.resources)
    rows = await ledger(api, mark)
    assert [(r["cause"], r["ref"]) for r in rows if r["cause"] != "sync_snapshot"] == [
        ("backorder", order_id),
        ("backorder", order_id),  # its inbound promise given back when allocated...
        ("preorder", order_id),  # ...and its units reserved from stock
    ]
    [seen] = await availability(api, ["A"])
    assert seen["reserved"] == 2
    await matches_positions(api)
    # a partial backorder: 1 held from stock at once, 2 against inbound; the allocation nets the held unit
    await sync(api, "SNAPSHOT", update("A", "s1", 3, as_of="2026-11-22T10:00:00+00:00", inbound=5))
    mark = await last_id(api)
    partial = (await place_backorder(api, "b2", 3))["order"]["id"]
    await sync(api, "SNAPSHOT", update("A", "s1", 5, as_of="2026-11-23T10:00:00+00:00"))
    await release.release_due(api.server.resources)
    rows = await ledger(api, mark)
    assert [(r["cause"], r["ref"], r["reserved"]) for r in rows if r["cause"] != "sync_snapshot"] == [
        ("backorder", partial, 2),  # its inbound promised...
        ("backorder", partial, 3),  # ...and the unit in stock held for it
        ("backorder", partial, 3),  # allocated: the inbound promise given back, the held unit kept...
        ("preorder", partial, 5),  # ...and the other 2 reserved from stock
    ]
    await matches_positions(api)
    await sync(api, "SNAPSHOT", update("A", "s1", 6, as_of="2026-11-24T10:00:00+00:00", inbound=5))
    mark = await last_id(api)
    held = (await place_backorder(api, "b3", 3))["order"]["id"]  # 1 held, 2 inbound
    assert (await api.gql(holds.CANCEL, {"id": held}))["cancelOrder"]["userErrors"] == []
    rows = await ledger(api, mark)
    assert [(r["cause"], r["ref"], r["reserved"], r["inbound_promised"]) for r in rows[-3:]] == [
        ("backorder", held, 5, 2),
        ("backorder", held, 6, 2),
        ("backorder", held, 5, 0),  # cancelled: held unit and inbound promise given back in one write
    ]
    await matches_positions(api)


WRITES = re.compile(
    r"update\(positions\)|upsert\(conn, positions\)|UPDATE positions|INSERT INTO positions|positions\.insert\("
)


async def test_a_ship_to_store_transfer_leaves_its_cause_at_both_ends(api: Api) -> None:
    await transfer_network(api)
    mark = await last_id(api)
    placed = await place_pickup(api, "t1")
    leg, pickup = legs(await transfer_order(api, placed["id"]))
    await ship_leg(api, leg["id"])
    received = (await api.gql(RECEIVE_TRANSFER, {"id": pickup["id"]}))["receiveTransfer"]
    assert received["userErrors"] == []
    rows = await ledger(api, mark)
    assert [(c, loc) for c, loc, _ in causes(rows)] == [("order", "w1"), ("ship", "w1"), ("transfer", "s1")]
    assert (rows[-1]["ref"], rows[-1]["on_hand"], rows[-1]["reserved"]) == (placed["id"], 2, 2)
    await matches_positions(api)


def test_every_statement_that_writes_positions_names_a_cause() -> None:
    """A writer of `positions` sets `ledger_cause` (or takes a `why`) in the function that writes."""
    offenders = []
    for path in (ROOT / "app").rglob("*.py"):
        if "migrations" in path.parts or path.name == "ledger.py":
            continue
        text = path.read_text(encoding="utf-8")
        for match in WRITES.finditer(text):
            start = text.rfind("\ndef ", 0, match.start())
            start = max(start, text.rfind("\nasync def ", 0, match.start()), text.rfind("\n_", 0, match.start()))
            end = text.find("\n\n\n", match.end())
            body = text[start : end if end > 0 else len(text)]
            if "why" not in body and "ledger_cause" not in body:
                offenders.append(f"{path.relative_to(ROOT)}: {text[match.start() : match.end()]}")
    assert offenders == []


async def test_compaction_folds_old_days_into_their_last_entry_and_keeps_recent_ones(api: Api) -> None:
    from datetime import UTC, datetime, timedelta

    from app.services import ledger as ledger_service

    await holds.one_store(api, 10)
    now = datetime.now(UTC)
    old = (now - timedelta(days=200)).replace(hour=1, minute=0)
    scheduler = api.server.resources.scheduler
    await scheduler.stop()  # the server's own job would fold them first
    lg = inventory_ledger.c
    async with api.server.resources.db.write() as conn:  # history from long ago: two days, three entries each
        for day in range(2):
            for n in range(3):
                at = old + timedelta(days=day, hours=n)
                await conn.execute(
                    inventory_ledger.insert().values(
                        at=at,
                        sku="A",
                        location_id="s1",
                        cause="sync_delta",
                        ref=f"d{day}-{n}",
                        on_hand=n,
                        reserved=0,
                        inbound=0,
                        inbound_promised=0,
                    )
                )
    try:
        removed = await ledger_service.compact(api.server.resources, now)
    finally:
        scheduler.start()
    assert removed == 4
    rows = await ledger(api)
    assert [(r["cause"], r["ref"], r["on_hand"]) for r in rows] == [
        ("sync_snapshot", "pos", 10),  # today's entry is kept whole
        ("daily", "d0-2", 2),
        ("daily", "d1-2", 2),
    ]
    assert await ledger_service.compact(api.server.resources, now) == 0  # nothing left to fold: a read only
    async with api.server.resources.db.read() as conn:
        assert len(list(await conn.execute(select(lg.id)))) == 3
