"""Pre-orders through the API: a future releaseAt sells only pre-orders, within preorderLimit under any
concurrency; stock on hand is not sold before the release; the release allocates oldest first, once; the report."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from app.services import preorders as preorder_service
from tests.api.checkout import CANCEL, order_input, storefront
from tests.api.network import availability, location, sync, update, upsert_locations, watching_availability
from tests.harness import ADMIN_TOKEN, Api

PLACE = """
mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    order { id status lines { sku quantity promisedBy backordered }
            fulfillments { id location { id } lines { sku quantity } } }
    userErrors { field message code }
  }
}"""
ORDER = """query($id: ID!) { order(id: $id) {
  id status fulfillments { status location { id } lines { sku quantity } } events { type status message } } }"""
ITEMS = "mutation($i: [ItemInput!]!) { upsertItems(input: $i) { count userErrors { field message code } } }"
REPORT = """query($skus: [String!]) { preorderReport(skus: $skus) {
  sku releaseAt preorderLimit preordered remaining waiting released onHand inbound inboundEta
  backlog { promisedBy orders units } } }"""
LATER = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)


async def launch(api: Api, *, units: int, limit: int | None, release: datetime = LATER, sku: str = "A") -> None:
    await upsert_locations(api, location("s1"))
    await items(api, {"sku": sku, "category": "c", "releaseAt": release.isoformat(), "preorderLimit": limit})
    await sync(api, "SNAPSHOT", update(sku, "s1", units))


async def items(api: Api, *entries: dict[str, Any]) -> dict[str, Any]:
    return dict((await api.gql(ITEMS, {"i": list(entries)}))["upsertItems"])


async def place(api: Api, key: str, quantity: int = 1, **extra: Any) -> dict[str, Any]:
    data = await api.gql(PLACE, {"input": order_input(key, quantity, **extra)}, token=ADMIN_TOKEN)
    return dict(data["placeOrder"])


async def order(api: Api, order_id: str) -> dict[str, Any]:
    return dict((await api.gql(ORDER, {"id": order_id}))["order"])


async def report(api: Api, skus: list[str] | None = None) -> list[dict[str, Any]]:
    return list((await api.gql(REPORT, {"skus": skus}))["preorderReport"])


async def test_thirty_concurrent_preorders_against_a_limit_of_ten_take_exactly_ten(api: Api) -> None:
    await launch(api, units=50, limit=10)
    results = await asyncio.gather(*(place(api, f"p{i}") for i in range(30)))
    placed = [r["order"] for r in results if r["order"]]
    refused = [e for r in results for e in r["userErrors"]]
    assert len(placed) == 10 and {o["status"] for o in placed} == {"BACKORDERED"}
    assert len(refused) == 20 and {e["code"] for e in refused} == {"INSUFFICIENT_STOCK"}
    assert all("limited to 10 units" in e["message"] for e in refused)
    [row] = await report(api, ["A"])
    assert (row["preordered"], row["remaining"], row["waiting"], row["released"]) == (10, 0, 10, 0)


async def test_stock_on_hand_is_not_sold_before_the_release_an_order_becomes_a_pre_order(api: Api) -> None:
    await launch(api, units=5, limit=10)
    [seen] = await availability(api, ["A"])
    assert seen["atp"] == 0  # five on hand, none promised before the release
    placed = await place(api, "o1", 2)
    assert placed["userErrors"] == []
    got = placed["order"]
    assert got["status"] == "BACKORDERED" and got["fulfillments"] == []
    assert got["lines"] == [{"sku": "A", "quantity": 2, "promisedBy": LATER.isoformat(), "backordered": 0}]
    events = (await order(api, got["id"]))["events"]
    assert [e["type"] for e in events] == ["order.created"] and "Pre-order: promised for" in events[0]["message"]
    [row] = await report(api, ["A"])
    assert (row["onHand"], row["preordered"], row["remaining"]) == (5, 2, 8)
    [seen] = await availability(api, ["A"])
    assert seen["atp"] == 0 and seen["reserved"] == 0  # nothing reserved for a pre-order
    # the same key replays the pre-order; a hold cannot take the unreleased stock either
    again = await place(api, "o1", 2)
    assert again["order"]["id"] == got["id"]


async def test_bad_input_negative_limit_mixed_carts_and_slots_are_refused(api: Api) -> None:
    await launch(api, units=5, limit=3)
    bad = await items(api, {"sku": "B", "category": "c", "preorderLimit": -1})
    assert [(e["code"], e["field"]) for e in bad["userErrors"]] == [("INVALID", ["input", "0", "preorderLimit"])]
    await items(api, {"sku": "N", "category": "c"})
    await sync(api, "SNAPSHOT", update("N", "s1", 5))
    mixed = order_input("m1", 1)
    mixed["lines"].append({"sku": "N", "quantity": 1, "unitPrice": 1.0})
    data = (await api.gql(PLACE, {"input": mixed}))["placeOrder"]
    assert [(e["code"], e["field"]) for e in data["userErrors"]] == [("INVALID", ["input", "lines", "1", "sku"])]
    over = await place(api, "big", 4)
    assert [e["code"] for e in over["userErrors"]] == ["INSUFFICIENT_STOCK"] and "limited to 3" in over["userErrors"][
        0
    ]["message"]
    [row] = await report(api, ["A"])
    assert row["preordered"] == 0  # nothing was kept of the refused orders


async def test_cancelling_a_waiting_pre_order_gives_its_units_back_to_the_limit(api: Api) -> None:
    await launch(api, units=5, limit=2)
    first = (await place(api, "o1", 2))["order"]
    assert [e["code"] for e in (await place(api, "o2"))["userErrors"]] == ["INSUFFICIENT_STOCK"]
    assert (await api.gql(CANCEL, {"id": first["id"]}))["cancelOrder"]["userErrors"] == []
    assert (await order(api, first["id"]))["status"] == "CANCELLED"
    assert (await place(api, "o3"))["order"]["status"] == "BACKORDERED"
    [row] = await report(api, ["A"])
    assert (row["preordered"], row["waiting"]) == (1, 1)


async def test_the_release_allocates_oldest_first_reserves_stock_and_releases_each_order_once(api: Api) -> None:
    await launch(api, units=3, limit=10)
    ids = [(await place(api, f"o{i}"))["order"]["id"] for i in range(5)]  # one after another: oldest first
    assert await preorder_service.release_due(api.server.resources) == 0  # not due yet
    await items(api, {"sku": "A", "category": "c", "releaseAt": (datetime.now(UTC) - timedelta(seconds=1)).isoformat()})
    runs = await asyncio.gather(*(preorder_service.release_due(api.server.resources) for _ in range(2)))
    assert sum(runs) <= 3  # two runs at once (or the server's own scheduler): each order once
    found = [await order(api, x) for x in ids]
    assert [o["status"] for o in found] == ["ALLOCATED"] * 3 + ["BACKORDERED"] * 2
    assert [len(o["fulfillments"]) for o in found] == [1, 1, 1, 0, 0]
    assert "Pre-order released: allocated to s1" in found[0]["events"][-1]["message"]
    waiting = [e for e in found[3]["events"] if e["type"] == "order.waiting"]
    assert len(waiting) == 1 and "short of 1 x A" in waiting[0]["message"]
    [seen] = await availability(api, ["A"])
    assert (seen["atp"], seen["locations"]) == (0, [])  # two pre-orders still wait: not on general sale
    assert await preorder_service.release_due(api.server.resources) == 0
    assert len([e for e in (await order(api, ids[3]))["events"] if e["type"] == "order.waiting"]) == 1  # said once
    await sync(api, "SNAPSHOT", update("A", "s1", 5, as_of="2026-11-21T10:00:00+00:00"))
    await preorder_service.release_due(api.server.resources)
    assert [(await order(api, x))["status"] for x in ids] == ["ALLOCATED"] * 5
    [seen] = await availability(api, ["A"])
    assert (seen["atp"], seen["reserved"]) == (0, 5)  # the queue served: on general sale, all of it reserved
    [row] = await report(api, ["A"])
    assert (row["preordered"], row["waiting"], row["released"], row["backlog"]) == (5, 0, 5, [])


async def test_until_its_pre_orders_are_served_an_order_joins_their_queue_instead_of_taking_their_stock(
    quiet: Api,
) -> None:
    api = quiet  # no scheduler: the release runs come when the test says
    await launch(api, units=2, limit=10)
    first = (await place(api, "o1", 2))["order"]["id"]
    await items(api, {"sku": "A", "category": "c", "releaseAt": (datetime.now(UTC) - timedelta(seconds=1)).isoformat()})
    [seen] = await availability(api, ["A"])
    assert seen["atp"] == 0  # released, but its pre-orders are not served yet: not on general sale
    late = (await place(api, "o2", 1))["order"]  # taken as a pre-order behind the first, not from its stock
    assert late["status"] == "BACKORDERED" and not late["fulfillments"]
    assert await preorder_service.release_due(api.server.resources) == 1
    assert [(await order(api, x))["status"] for x in (first, late["id"])] == ["ALLOCATED", "BACKORDERED"]
    queued = (await place(api, "o3", 1))["order"]  # one still waits: the sale stays closed, the queue grows
    assert queued["status"] == "BACKORDERED" and (await availability(api, ["A"]))[0]["atp"] == 0
    await sync(api, "SNAPSHOT", update("A", "s1", 3, as_of="2026-11-21T10:00:00+00:00"))  # one more arrives
    await preorder_service.release_due(api.server.resources)
    assert [(await order(api, x))["status"] for x in (late["id"], queued["id"])] == ["ALLOCATED", "BACKORDERED"]
    await sync(api, "SNAPSHOT", update("A", "s1", 4, as_of="2026-11-21T11:00:00+00:00"))
    await preorder_service.release_due(api.server.resources)
    assert (await order(api, queued["id"]))["status"] == "ALLOCATED"
    [seen] = await availability(api, ["A"])
    assert (seen["atp"], seen["reserved"]) == (0, 4)  # every pre-order served: on general sale now
    refused = await place(api, "o4", 1)  # an ordinary order, and nothing is left
    assert [e["code"] for e in refused["userErrors"]] == ["INSUFFICIENT_STOCK"]


async def test_a_pre_order_on_fraud_hold_keeps_no_item_closed_and_the_opening_is_announced(quiet: Api) -> None:
    api = quiet
    await launch(api, units=5, limit=10)
    await api.gql("mutation { setFraudPolicy(input: {holdAtRiskScore: 50}) { policy { holdAtRiskScore } } }")
    held = (await place(api, "risky", 1, riskScore=90))["order"]
    assert held["status"] == "BACKORDERED"
    query = """subscription($skus: [String!]!) {
      availabilityChanged(skus: $skus, channel: "web", market: "US") { sku atp }
    }"""
    async with watching_availability(api, ["A"], query) as ws:
        past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
        await items(api, {"sku": "A", "category": "c", "releaseAt": past})
        assert await preorder_service.release_due(api.server.resources) == 0  # on hold: not released
        assert (await ws.next_data())["data"]["availabilityChanged"] == {"sku": "A", "atp": 5}  # yet on sale
    assert (await order(api, held["id"]))["status"] == "BACKORDERED"
    placed = await place(api, "ordinary", 1)
    assert placed["order"]["status"] == "ALLOCATED"


async def test_a_release_moved_later_closes_the_sale_until_the_next_release_run(quiet: Api) -> None:
    api = quiet
    await launch(api, units=5, limit=10)
    await place(api, "o1", 1)
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    await items(api, {"sku": "A", "category": "c", "releaseAt": past})
    await preorder_service.release_due(api.server.resources)
    [seen] = await availability(api, ["A"])
    assert seen["atp"] == 4  # served, then on general sale
    await items(api, {"sku": "A", "category": "c", "releaseAt": LATER.isoformat()})
    assert (await availability(api, ["A"]))[0]["atp"] == 0  # a pre-order item again
    await items(api, {"sku": "A", "category": "c", "releaseAt": past})
    assert (await availability(api, ["A"]))[0]["atp"] == 0  # released again: its run opens the sale
    await preorder_service.release_due(api.server.resources)
    assert (await availability(api, ["A"]))[0]["atp"] == 4


async def test_the_report_gives_backlog_by_promise_date_and_inbound(api: Api) -> None:
    later = LATER + timedelta(days=3)
    await launch(api, units=0, limit=None)
    await items(api, {"sku": "B", "category": "c", "releaseAt": later.isoformat(), "preorderLimit": 4})
    eta = (LATER - timedelta(days=1)).isoformat()
    await sync(api, "SNAPSHOT", update("A", "s1", 0, inbound=40, inboundEta=eta), update("B", "s1", 2))
    await place(api, "a1", 2)
    await place(api, "a2", 3)
    await place(api, "b1", 1, sku="B")
    await items(api, {"sku": "A", "category": "c", "releaseAt": later.isoformat()})  # the launch moves
    await place(api, "a3", 1)
    rows = {r["sku"]: r for r in await report(api)}
    assert set(rows) == {"A", "B"}
    a = rows["A"]
    assert (a["preorderLimit"], a["remaining"], a["preordered"], a["waiting"], a["inbound"]) == (None, None, 6, 6, 40)
    assert a["inboundEta"] == eta
    assert a["backlog"] == [
        {"promisedBy": LATER.isoformat(), "orders": 2, "units": 5},
        {"promisedBy": later.isoformat(), "orders": 1, "units": 1},
    ]
    b = rows["B"]
    assert (b["preorderLimit"], b["remaining"], b["onHand"], b["backlog"]) == (
        4,
        3,
        2,
        [{"promisedBy": later.isoformat(), "orders": 1, "units": 1}],
    )


async def test_the_report_is_for_staff_only(api: Api) -> None:
    await launch(api, units=1, limit=1)
    token = await storefront(api)
    body = await api.raw(REPORT, {"skus": ["A"]}, token=token)
    assert body.get("errors") and body.get("data") is None
