"""Backorders through the API: with allowBackorder, units beyond ATP are promised against inbound stock (never
twice), the order waits BACKORDERED, and a sync that raises stock gets it allocated, oldest first, once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from app.logs import request_id
from app.services import preorders as release
from tests.api.checkout import CANCEL, order_input
from tests.api.network import availability, items, location, sync, update, upsert_locations
from tests.backends import Backend
from tests.harness import ADMIN_TOKEN, Api

PLACE = """
mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    order { id status lines { sku quantity promisedBy backordered } fulfillments { id } }
    userErrors { field message code }
  }
}"""
ORDER = """query($id: ID!) { order(id: $id) {
  id status lines { sku quantity promisedBy backordered }
  fulfillments { status location { id } lines { sku quantity } } events { type status message } } }"""
ETA = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
T1 = "2026-11-21T10:00:00+00:00"
# A look first on a read (6: order row, waiting row, order (2), stock, claims), so an order that would only wait
# again takes no write lock every tick; then the locked pass:
ALLOCATION_STATEMENTS = 25  # due query; lock, waiting row, order (2), stock, sourcing; settle; 4 to end the
# inbound promises (read with the held units, one position, rows, lines); reservation, fulfillment (2), status,
# plan, event, outbox; and the run's look for released items whose general sale it may open


async def stocked(api: Api, on_hand: int, inbound: int | None) -> None:
    await upsert_locations(api, location("s1"))
    await items(api, ["A"])
    extra: dict[str, Any] = {"inbound": inbound, "inboundEta": ETA.isoformat()} if inbound is not None else {}
    await sync(api, "SNAPSHOT", update("A", "s1", on_hand, **extra))


async def place(api: Api, key: str, quantity: int, backorder: bool = True) -> dict[str, Any]:
    data = await api.gql(PLACE, {"input": order_input(key, quantity, allowBackorder=backorder)}, token=ADMIN_TOKEN)
    return dict(data["placeOrder"])


async def order(api: Api, order_id: str) -> dict[str, Any]:
    return dict((await api.gql(ORDER, {"id": order_id}))["order"])


async def test_an_order_beyond_atp_with_inbound_is_backordered_and_promised_by_the_eta(api: Api) -> None:
    await stocked(api, 2, inbound=5)
    placed = await place(api, "b1", 4)
    assert placed["userErrors"] == []
    got = placed["order"]
    assert got["status"] == "BACKORDERED" and got["fulfillments"] == []
    assert got["lines"] == [{"sku": "A", "quantity": 4, "promisedBy": ETA.isoformat(), "backordered": 2}]
    events = (await order(api, got["id"]))["events"]
    assert events[0]["type"] == "order.created"  # then, maybe, the scheduler's order.waiting: short of stock
    assert {e["type"] for e in events} <= {"order.created", "order.waiting"}
    assert "Backordered: 2 x A against inbound at s1" in events[0]["message"]
    [seen] = await availability(api, ["A"])
    assert seen["reserved"] == 2  # the 2 in stock are held for it while it waits; the 2 short wait for inbound
    assert (await place(api, "b1", 4))["order"]["id"] == got["id"]  # the same key replays it
    # without allowBackorder the same cart is refused as before
    refused = await place(api, "n1", 4, backorder=False)
    assert [e["code"] for e in refused["userErrors"]] == ["INSUFFICIENT_STOCK"]


async def test_without_inbound_the_line_is_refused_as_today(api: Api) -> None:
    await stocked(api, 1, inbound=None)
    refused = await place(api, "b1", 3)
    assert refused["order"] is None and [e["code"] for e in refused["userErrors"]] == ["INSUFFICIENT_STOCK"]
    assert "no inbound stock left" in refused["userErrors"][0]["message"]


async def test_inbound_is_not_promised_twice_even_concurrently(api: Api) -> None:
    await stocked(api, 0, inbound=5)
    results = await asyncio.gather(*(place(api, f"b{i}", 3) for i in range(2)))
    placed = [r["order"] for r in results if r["order"]]
    assert len(placed) == 1 and placed[0]["lines"][0]["backordered"] == 3
    assert [e["code"] for r in results for e in r["userErrors"]] == ["INSUFFICIENT_STOCK"]
    assert (await place(api, "b2", 2))["order"]["status"] == "BACKORDERED"  # 3 + 2: all of the 5 inbound
    assert [e["code"] for e in (await place(api, "b3", 1))["userErrors"]] == ["INSUFFICIENT_STOCK"]


async def test_a_cancelled_backorder_gives_its_inbound_back(api: Api) -> None:
    await stocked(api, 0, inbound=2)
    first = (await place(api, "b1", 2))["order"]
    assert (await api.gql(CANCEL, {"id": first["id"]}))["cancelOrder"]["userErrors"] == []
    assert (await order(api, first["id"]))["status"] == "CANCELLED"
    assert (await place(api, "b2", 2))["order"]["status"] == "BACKORDERED"


async def test_a_sync_raising_stock_allocates_the_oldest_backorder_first(api: Api) -> None:
    await stocked(api, 0, inbound=5)
    ids = [(await place(api, f"b{i}", 2))["order"]["id"] for i in range(2)]  # one after another: oldest first
    await sync(api, "SNAPSHOT", update("A", "s1", 3, as_of=T1, inbound=0, inboundEta=ETA.isoformat()))
    await release.release_due(api.server.resources)  # the leader's job (a sync wakes it; here, to be sure)
    first, second = [await order(api, x) for x in ids]
    assert first["status"] == "ALLOCATED" and first["lines"][0]["backordered"] == 0
    assert first["fulfillments"] == [
        {"status": "AWAITING_PICK", "location": {"id": "s1"}, "lines": [{"sku": "A", "quantity": 2}]}
    ]
    assert "Backorder allocated: allocated to s1" in first["events"][-1]["message"]
    assert second["status"] == "BACKORDERED" and second["fulfillments"] == []
    waiting = [e for e in second["events"] if e["type"] == "order.waiting"]
    assert "Backorder not allocated yet, short of 1 x A" in waiting[-1]["message"]  # said once per change
    await sync(api, "SNAPSHOT", update("A", "s1", 4, as_of="2026-11-22T10:00:00+00:00"))
    await release.release_due(api.server.resources)
    assert [(await order(api, x))["status"] for x in ids] == ["ALLOCATED"] * 2
    [seen] = await availability(api, ["A"])
    assert (seen["reserved"], seen["atp"]) == (4, 0)


async def test_two_syncs_at_once_allocate_each_backorder_once(api: Api) -> None:
    await stocked(api, 0, inbound=6)
    ids = [(await place(api, f"b{i}", 2))["order"]["id"] for i in range(3)]
    feeds = [
        sync(api, "DELTA", update("A", "s1", 3, as_of=T1, eventId=f"e{i}"), source=src)
        for i, src in enumerate(("pos", "wms"))
    ]
    await asyncio.gather(*feeds)
    runs = await asyncio.gather(*(release.release_due(api.server.resources) for _ in range(3)))
    assert sum(runs) <= 3  # the server's own scheduler, woken by the syncs, may have allocated some
    found = [await order(api, x) for x in ids]
    assert [o["status"] for o in found] == ["ALLOCATED"] * 3
    assert [len(o["fulfillments"]) for o in found] == [1, 1, 1]
    for o in found:
        changes = [e for e in o["events"] if e["type"] == "order.status_changed"]
        assert len(changes) == 1 and changes[0]["status"] == "ALLOCATED"
    [seen] = await availability(api, ["A"])
    assert (seen["onHand"], seen["reserved"], seen["atp"]) == (6, 6, 0)


async def test_one_backorder_allocation_runs_a_fixed_handful_of_statements(api: Api) -> None:
    await stocked(api, 0, inbound=5)
    ids = [(await place(api, "b1", 2))["order"]["id"]]
    scheduler = api.server.resources.scheduler
    await scheduler.stop()  # the server's own job must not allocate it first
    try:
        await sync(api, "SNAPSHOT", update("A", "s1", 5, as_of=T1))
        token = request_id.set("allocation")
        try:
            assert await release.release_due(api.server.resources) == 1
        finally:
            request_id.reset(token)
    finally:
        scheduler.start()
    assert [(await order(api, x))["status"] for x in ids] == ["ALLOCATED"]
    counted = api.server.resources.db.statements.by_request.pop("allocation")
    assert counted == ALLOCATION_STATEMENTS, counted  # the due query, then one order's transaction


PLAN = """query($id: ID!) { order(id: $id) { plan { allocations { location { id } sku quantity }
  unallocated { sku quantity } explanation } } }"""
# placing: the read, the key, one inbound claim, one guarded reservation of the held units, plan, details,
# waiting row, promise and line, held row, event, outbox; the same on both backends (no one-statement write)
PARTIAL_PLACE_STATEMENTS = {"sqlite": 15, "postgres": 15}
PARTIAL_ALLOCATION_STATEMENTS = ALLOCATION_STATEMENTS + 1  # the held rows deleted too; the held units and the
# inbound promise are read in the one statement that read the promise alone, and s1's position is written as before


async def plan_of(api: Api, order_id: str) -> dict[str, Any]:
    return dict((await api.gql(PLAN, {"id": order_id}))["order"]["plan"])


async def test_a_partial_backorder_holds_its_units_in_stock_and_gets_the_rest_when_it_arrives(api: Api) -> None:
    await stocked(api, 3, inbound=10)
    got = (await place(api, "p1", 5))["order"]
    assert got["status"] == "BACKORDERED" and got["fulfillments"] == []
    assert got["lines"] == [{"sku": "A", "quantity": 5, "promisedBy": ETA.isoformat(), "backordered": 2}]
    plan = await plan_of(api, got["id"])
    assert plan["allocations"] == [{"location": {"id": "s1"}, "sku": "A", "quantity": 3}]  # held, not fulfilled
    assert plan["unallocated"] == [{"sku": "A", "quantity": 2}]
    assert plan["explanation"][0] == (
        f"Backordered: 2 x A against inbound at s1 (ETA {ETA.isoformat()}); held in stock: 3 x A at s1;"
        " stock is allocated when it arrives"
    )
    [seen] = await availability(api, ["A"])
    assert (seen["onHand"], seen["reserved"], seen["atp"]) == (3, 3, 0)
    other = await place(api, "n1", 1, backorder=False)  # the 3 are the backorder's: nobody else takes them
    assert other["order"] is None and [e["code"] for e in other["userErrors"]] == ["INSUFFICIENT_STOCK"]
    await sync(api, "SNAPSHOT", update("A", "s1", 6, as_of=T1, inbound=7, inboundEta=ETA.isoformat()))
    await release.release_due(api.server.resources)
    found = await order(api, got["id"])
    assert found["status"] == "ALLOCATED" and found["lines"][0]["backordered"] == 0
    assert found["fulfillments"] == [
        {"status": "AWAITING_PICK", "location": {"id": "s1"}, "lines": [{"sku": "A", "quantity": 5}]}
    ]
    plan = await plan_of(api, got["id"])  # the order's plan, made by its allocation
    assert (plan["allocations"], plan["unallocated"]) == ([{"location": {"id": "s1"}, "sku": "A", "quantity": 5}], [])
    [seen] = await availability(api, ["A"])
    assert (seen["onHand"], seen["reserved"], seen["atp"]) == (6, 5, 1)  # 3 held + 2 reserved, nothing twice
    assert (await place(api, "n2", 1, backorder=False))["order"]["status"] == "ALLOCATED"


async def test_a_cancelled_partial_backorder_frees_its_held_units_and_its_inbound(api: Api) -> None:
    await stocked(api, 3, inbound=2)
    first = (await place(api, "p1", 5))["order"]
    assert first["lines"][0]["backordered"] == 2
    assert [e["code"] for e in (await place(api, "p2", 1))["userErrors"]] == ["INSUFFICIENT_STOCK"]  # all taken
    assert (await api.gql(CANCEL, {"id": first["id"]}))["cancelOrder"]["userErrors"] == []
    [seen] = await availability(api, ["A"])
    assert (seen["reserved"], seen["atp"]) == (0, 3)
    again = (await place(api, "p3", 5))["order"]  # the same 3 in stock and 2 inbound, free again
    assert again["status"] == "BACKORDERED" and again["lines"][0]["backordered"] == 2


async def test_two_feeds_at_once_allocate_each_partial_backorder_once_and_never_oversell(api: Api) -> None:
    await stocked(api, 3, inbound=10)
    ids = [(await place(api, "p1", 5))["order"]["id"], (await place(api, "p2", 4))["order"]["id"]]
    feeds = [
        sync(api, "DELTA", update("A", "s1", 3, as_of=T1, eventId=f"e{i}"), source=src)
        for i, src in enumerate(("pos", "wms"))
    ]
    await asyncio.gather(*feeds)
    await asyncio.gather(*(release.release_due(api.server.resources) for _ in range(3)))
    found = [await order(api, x) for x in ids]
    assert [o["status"] for o in found] == ["ALLOCATED"] * 2
    assert [[line["quantity"] for f in o["fulfillments"] for line in f["lines"]] for o in found] == [[5], [4]]
    for o in found:
        assert len([e for e in o["events"] if e["type"] == "order.status_changed"]) == 1
    [seen] = await availability(api, ["A"])
    assert (seen["onHand"], seen["reserved"], seen["atp"]) == (9, 9, 0)


async def test_placing_and_allocating_a_partial_backorder_run_a_fixed_handful_of_statements(
    api: Api, backend: Backend
) -> None:
    await stocked(api, 3, inbound=10)
    await place(api, "warm-up", 1, backorder=False)  # the replica's reference cache fills here
    data, statements = await api.counted(PLACE, {"input": order_input("p1", 4, allowBackorder=True)})
    assert data["placeOrder"]["order"]["lines"][0]["backordered"] == 2
    assert statements == PARTIAL_PLACE_STATEMENTS[backend.name], statements
    scheduler = api.server.resources.scheduler
    await scheduler.stop()
    try:
        await sync(api, "SNAPSHOT", update("A", "s1", 6, as_of=T1))
        token = request_id.set("partial")
        try:
            assert await release.release_due(api.server.resources) == 1
        finally:
            request_id.reset(token)
    finally:
        scheduler.start()
    counted = api.server.resources.db.statements.by_request.pop("partial")
    assert counted == PARTIAL_ALLOCATION_STATEMENTS, counted


async def test_a_waiting_backorder_cannot_be_edited_and_keeps_its_held_units(api: Api) -> None:
    from tests.api.test_edit_order_api import edit

    await stocked(api, 5, inbound=10)
    got = (await place(api, "p1", 7))["order"]  # 5 held, 2 against inbound
    changed = await edit(api, got, addLines=[{"sku": "A", "quantity": 1, "unitPrice": 5.0}])
    assert [e["code"] for e in changed["userErrors"]] == ["INVALID_TRANSITION"]
    assert "cancel it and place it again" in changed["userErrors"][0]["message"]
    found = await order(api, got["id"])
    assert (found["status"], found["fulfillments"], found["lines"][0]["backordered"]) == ("BACKORDERED", [], 2)
    [seen] = await availability(api, ["A"])
    assert seen["reserved"] == 5  # still held for it, once


async def test_a_closing_store_keeps_a_backorders_held_units_until_its_allocation_moves_them(api: Api) -> None:
    from tests.api.test_store_closing_api import set_active

    await upsert_locations(api, location("s1"), location("s2", geo={"lat": 41.0, "lon": -74.0}))
    await items(api, ["A"])
    await sync(api, "SNAPSHOT", update("A", "s1", 3, inbound=10, inboundEta=ETA.isoformat()))
    got = (await place(api, "p1", 5))["order"]  # 3 held at s1, 2 against s1's inbound
    closed = await set_active(api, False)  # no fulfillment to move: the held units stay the order's
    assert closed["userErrors"] == [] and (await order(api, got["id"]))["status"] == "BACKORDERED"
    await sync(api, "SNAPSHOT", update("A", "s2", 5, as_of=T1))
    await release.release_due(api.server.resources)  # sourced whole away from the closed store...
    found = await order(api, got["id"])
    assert found["status"] == "ALLOCATED"
    assert found["fulfillments"] == [
        {"status": "AWAITING_PICK", "location": {"id": "s2"}, "lines": [{"sku": "A", "quantity": 5}]}
    ]
    assert (await set_active(api, True))["userErrors"] == []
    [seen] = await availability(api, ["A"])
    at = {x["location"]["id"]: (x["onHand"], x["reserved"]) for x in seen["locations"]}
    assert at == {"s1": (3, 0), "s2": (5, 5)}  # ...and its held units at s1 released, nothing stranded
