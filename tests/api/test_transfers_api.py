"""Ship-to-store transfers through the API: options, the order end to end, receiving, cancelling, concurrency."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.access import Role
from tests.api.network import availability, location, sync, update, upsert_locations
from tests.api.picking import (
    COLLECT,
    COMPLETE_STEP,
    COMPLETE_TASK,
    HAND_OVER,
    PROCESS,
    TASKS,
    confirm,
    generate,
    process,
)
from tests.api.principals import token_for
from tests.api.test_edit_order_api import EDIT
from tests.api.test_orders_api import CANCEL, PLACE
from tests.api.test_store_closing_api import set_active
from tests.api.transfers import (
    OPTIONS,
    RECEIVE,
    allow_transfers,
    legs,
    network,
    order,
    pickup_input,
    place_pickup,
    ship_leg,
)
from tests.backends import Backend
from tests.harness import Api, subscriptions
from tests.receiver import receiving

CART = {"channel": "web", "market": "US", "lines": [{"sku": "A", "quantity": 2}]}
REGISTER = """mutation($url: String!) { registerWebhook(input: {url: $url,
    events: ["transfer.shipped", "transfer.received", "fulfillment.status_changed"],
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}) { userErrors { code } } }"""


async def pickup_options(api: Api, lines: list[dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    cart = CART | ({"lines": lines} if lines else {})
    found = (await api.gql(OPTIONS, {"input": cart | {"pickupLocationIds": ["s1", "s2"]}}))["fulfillmentOptions"]
    return {o["location"]["id"]: o for o in found if o["method"] == "PICKUP"}


async def test_a_pickup_store_without_the_stock_is_offered_a_transfer_ready_after_transit(api: Api) -> None:
    await network(api, allow=False)
    before = await pickup_options(api)
    assert (before["s1"]["available"], before["s1"]["transferFrom"]) == (False, None)  # today's behaviour
    await allow_transfers(api, True)
    options = await pickup_options(api)
    s1 = options["s1"]
    assert (s1["available"], s1["transferFrom"], s1["splitCount"]) == (True, {"id": "w1"}, 1)
    assert s1["plan"]["allocations"] == [{"location": {"id": "w1"}, "sku": "A", "quantity": 2}]
    # w1's turnaround (4 h default) + one day on the road (130 km) + s1's own turnaround (2 h)
    assert s1["etaHours"] == 30.0
    assert options["s2"]["etaHours"] == 32.0  # s2's turnaround is the 4 h default
    explanation = " ".join(s1["plan"]["explanation"])
    assert "by transfer: the store cannot serve A x2" in explanation
    assert "Transfer from w1 to s1: 129 km, 1 day(s) in transit" in explanation
    assert "Filtered out: s1: excluded for this order" not in explanation  # the store is the destination
    own = (await pickup_options(api, [{"sku": "B", "quantity": 1}]))["s1"]
    assert (own["transferFrom"], own["etaHours"]) == (None, 2.0)  # a store with the stock serves it itself
    ready = datetime.fromisoformat(str(s1["readyBy"]))
    assert ready > datetime.fromisoformat(str(own["readyBy"]))


async def test_transfer_candidates_that_cannot_send_are_explained(api: Api) -> None:
    await network(api)
    await upsert_locations(
        api,
        location("w2", type="WAREHOUSE", markets=["CA"], capabilities=["SHIP"], geo={"lat": 43.7, "lon": -79.4}),
        location("w3", type="WAREHOUSE", capabilities=["PICKUP"], geo={"lat": 40.0, "lon": -75.0}),
    )
    await sync(api, "DELTA", update("A", "w2", 9, eventId="w2"), update("A", "w3", 9, eventId="w3"))
    s1 = (await pickup_options(api))["s1"]
    assert s1["transferFrom"] == {"id": "w1"}
    assert "Filtered out: w3: does not offer SHIP." in s1["plan"]["explanation"]
    await allow_transfers(api, True, allowedLocationTypes=["STORE"])
    refused = (await pickup_options(api))["s1"]
    assert (refused["available"], refused["transferFrom"]) == (False, None)  # no store may send it


async def test_an_order_served_by_transfer_is_picked_shipped_received_and_collected(api: Api) -> None:
    await network(api)
    async with receiving() as hook, subscriptions(api.server) as ws:
        await api.gql(REGISTER, {"url": hook.url})
        await ws.subscribe("subscription { orderStatusChanged { orderId type status message } }")
        await asyncio.sleep(0.2)
        placed = await place_pickup(api, "t1")
        assert placed["status"] == "ALLOCATED"
        found = await order(api, placed["id"])
        leg, pickup = legs(found)
        assert (leg["location"], leg["method"], leg["status"], leg["transferTo"]) == (
            {"id": "w1"},
            "SHIP",
            "AWAITING_PICK",
            {"id": "s1"},
        )
        assert (pickup["location"], pickup["method"], pickup["status"], pickup["transferFrom"]) == (
            {"id": "s1"},
            "PICKUP",
            "AWAITING_TRANSFER",
            {"id": "w1"},
        )
        assert any("by transfer" in line for line in found["plan"]["explanation"])
        w1 = (await availability(api, ["A"], ids=["w1"]))[0]["locations"][0]
        assert (w1["onHand"], w1["reserved"]) == (10, 2)  # reserved at the source

        shipped = await ship_leg(api, leg["id"])
        assert shipped["status"] == "IN_TRANSIT"
        assert (await order(api, placed["id"]))["status"] == "IN_FULFILLMENT"
        w1 = (await availability(api, ["A"], ids=["w1"]))[0]["locations"][0]
        assert (w1["onHand"], w1["reserved"], w1["atp"]) == (8, 0, 8)  # consumed when it shipped

        received = (await api.gql(RECEIVE, {"id": pickup["id"]}))["receiveTransfer"]
        assert received["userErrors"] == []
        assert received["fulfillment"]["status"] == "READY_FOR_COLLECTION"
        again = (await api.gql(RECEIVE, {"id": pickup["id"]}))["receiveTransfer"]
        assert (again["userErrors"], again["fulfillment"]["status"]) == ([], "READY_FOR_COLLECTION")  # idempotent
        s1 = (await availability(api, ["A"], ids=["s1"]))[0]
        assert (s1["onHand"], s1["reserved"], s1["atp"]) == (2, 2, 0)  # on the shelf, for this pickup only
        events = [json.loads(r.body) for r in await hook.wait_for(7)]
        types = [e["type"] for e in events]
        assert types.count("transfer.shipped") == 1 and types.count("transfer.received") == 1
        code = next(e["data"]["collectionCode"] for e in events if e["data"].get("status") == "READY_FOR_COLLECTION")
        collected = (await api.gql(COLLECT, {"id": pickup["id"], "code": code}))["confirmCollection"]
        assert collected["fulfillment"]["status"] == "COLLECTED"
        seen: list[str] = []
        while not seen or seen[-1] != "FULFILLED":
            seen.append((await ws.next_data())["data"]["orderStatusChanged"]["status"])
        assert seen[0] == "ALLOCATED" and "IN_FULFILLMENT" in seen
    done = await order(api, placed["id"])
    assert done["status"] == "FULFILLED"
    assert {(f["location"]["id"], f["status"]) for f in done["fulfillments"]} == {
        ("w1", "RECEIVED"),
        ("s1", "COLLECTED"),
    }
    s1 = (await availability(api, ["A"], ids=["s1"]))[0]
    assert (s1["onHand"], s1["reserved"]) == (0, 0)  # collected: nothing counted twice
    messages = [e["message"] for e in done["events"]]
    assert any("Transfer shipped from w1 to s1" in (m or "") for m in messages)


async def test_receiving_refuses_unknown_ids_wrong_states_and_other_stores(api: Api) -> None:
    await network(api)
    placed = await place_pickup(api, "t1")
    leg, pickup = legs(await order(api, placed["id"]))
    unknown = (await api.gql(RECEIVE, {"id": "ful_nope"}))["receiveTransfer"]
    assert [e["code"] for e in unknown["userErrors"]] == ["NOT_FOUND"]
    early = (await api.gql(RECEIVE, {"id": pickup["id"]}))["receiveTransfer"]
    assert [(e["code"], e["field"]) for e in early["userErrors"]] == [("INVALID_TRANSITION", ["fulfillmentId"])]
    assert early["fulfillment"]["status"] == "AWAITING_TRANSFER"  # nothing changed
    not_a_pickup = (await api.gql(RECEIVE, {"id": leg["id"]}))["receiveTransfer"]
    assert [e["code"] for e in not_a_pickup["userErrors"]] == ["INVALID"]
    await ship_leg(api, leg["id"])
    other = await token_for(api.server, Role.STORE_ASSOCIATE, locations={"s2"})
    body = await api.raw(RECEIVE, {"id": pickup["id"]}, token=other)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    source = await token_for(api.server, Role.STORE_ASSOCIATE, locations={"w1"})
    body = await api.raw(RECEIVE, {"id": pickup["id"]}, token=source)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # the source cannot receive for the store
    agent = await token_for(api.server, Role.AGENT)
    body = await api.raw(RECEIVE, {"id": pickup["id"]}, token=agent)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await order(api, placed["id"]))["status"] == "IN_FULFILLMENT"  # still in transit
    staff = await token_for(api.server, Role.STORE_ASSOCIATE, locations={"s1"})
    own = (await api.gql(RECEIVE, {"id": pickup["id"]}, token=staff))["receiveTransfer"]
    assert (own["userErrors"], own["fulfillment"]["status"]) == ([], "READY_FOR_COLLECTION")


async def test_cancelling_before_shipping_releases_the_source_and_cancels_both(api: Api) -> None:
    await network(api)
    placed = await place_pickup(api, "t1")
    assert (await api.gql(CANCEL, {"id": placed["id"]}))["cancelOrder"]["userErrors"] == []
    found = await order(api, placed["id"])
    assert found["status"] == "CANCELLED"
    assert {f["status"] for f in found["fulfillments"]} == {"CANCELLED"} and len(found["fulfillments"]) == 2
    w1 = (await availability(api, ["A"], ids=["w1"]))[0]["locations"][0]
    assert (w1["onHand"], w1["reserved"]) == (10, 0)
    _, pickup = legs(found)
    refused = (await api.gql(RECEIVE, {"id": pickup["id"]}))["receiveTransfer"]
    assert [e["code"] for e in refused["userErrors"]] == ["INVALID_TRANSITION"]


async def test_a_transfer_cancelled_in_transit_lands_on_the_store_shelf_unreserved(api: Api) -> None:
    await network(api)
    placed = await place_pickup(api, "t1")
    leg, pickup = legs(await order(api, placed["id"]))
    await ship_leg(api, leg["id"])
    assert (await api.gql(CANCEL, {"id": placed["id"]}))["cancelOrder"]["userErrors"] == []
    found = await order(api, placed["id"])
    assert found["status"] == "CANCELLED"
    assert {(f["location"]["id"], f["status"]) for f in found["fulfillments"]} == {
        ("w1", "IN_TRANSIT"),
        ("s1", "CANCELLED"),
    }
    received = (await api.gql(RECEIVE, {"id": pickup["id"]}))["receiveTransfer"]
    assert (received["userErrors"], received["fulfillment"]["status"]) == ([], "CANCELLED")
    s1 = (await availability(api, ["A"], ids=["s1"]))[0]
    assert (s1["onHand"], s1["reserved"], s1["atp"]) == (2, 0, 2)  # back on sale at the store
    assert (await order(api, placed["id"]))["status"] == "CANCELLED"


async def test_concurrent_pickups_served_by_transfer_never_oversell_the_source(api: Api) -> None:
    await network(api, stock=10)
    results = await asyncio.gather(*(api.gql(PLACE, {"input": pickup_input(f"c{n}", [("A", 1)])}) for n in range(20)))
    placed = [r["placeOrder"] for r in results if r["placeOrder"]["order"]]
    refused = [r["placeOrder"] for r in results if not r["placeOrder"]["order"]]
    assert len(placed) == 10 and len(refused) == 10
    assert all(r["userErrors"][0]["code"] == "INSUFFICIENT_STOCK" for r in refused)
    w1 = (await availability(api, ["A"], ids=["w1"]))[0]["locations"][0]
    assert (w1["onHand"], w1["reserved"], w1["atp"]) == (10, 10, 0)
    for result in placed:
        leg, pickup = legs(await order(api, result["order"]["id"]))
        assert (leg["status"], pickup["status"]) == ("AWAITING_PICK", "AWAITING_TRANSFER")


async def test_an_order_served_by_transfer_cannot_be_edited_and_a_closing_source_leaves_its_leg_to_a_person(
    api: Api,
) -> None:
    await network(api)
    placed = await place_pickup(api, "t1")
    change = {"orderId": placed["id"], "idempotencyKey": "e1", "reason": "more", "addLines": []}
    change["changeQuantities"] = [{"lineId": f"{placed['id']}:1", "quantity": 1}]
    edited = (await api.gql(EDIT, {"input": change}))["editOrder"]
    assert [(e["code"], e["field"]) for e in edited["userErrors"]] == [("INVALID_TRANSITION", ["input", "orderId"])]
    closed = await set_active(api, False, "inventory count", loc="w1")
    assert (closed["resourced"], closed["unresolved"]) == (0, 1)  # a STORE_CLOSED task, nothing re-sent
    leg, pickup = legs(await order(api, placed["id"]))
    assert (leg["status"], pickup["status"]) == ("AWAITING_PICK", "AWAITING_TRANSFER")
    await set_active(api, True, "counted", loc="w1")
    w1 = (await availability(api, ["A"], ids=["w1"]))[0]
    assert (w1["onHand"], w1["reserved"]) == (10, 2)  # still reserved for the transfer


# placeOrder: the usual read and write (one statement on PostgreSQL, inside a transaction here since more
# follows), then the leg made a transfer and the store's pickup with its lines. receiveTransfer: the pickup
# and its order locked, the leg found and locked, its units, one position upsert per SKU, the pickup made
# ready, both moves with their outbox events and the order's derivation after each, the order's event,
# `transfer.received`; then the answer.
TRANSFER_STATEMENTS = {"sqlite": (11, 21), "postgres": (5, 21)}  # (placeOrder, receiveTransfer)
PLACE_ID = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } userErrors { code } } }"""
RECEIVE_ID = """mutation($id: ID!) { receiveTransfer(fulfillmentId: $id) { userErrors { code } } }"""


async def test_placing_and_receiving_a_transfer_run_a_fixed_number_of_statements(api: Api, backend: Backend) -> None:
    await network(api)
    await place_pickup(api, "warm")
    data, placing = await api.counted(PLACE_ID, {"input": pickup_input("counted")})
    assert data["placeOrder"]["userErrors"] == []
    leg, pickup = legs(await order(api, data["placeOrder"]["order"]["id"]))
    await ship_leg(api, leg["id"])
    done, receiving = await api.counted(RECEIVE_ID, {"id": pickup["id"]})
    assert done["receiveTransfer"]["userErrors"] == []
    assert (placing, receiving) == TRANSFER_STATEMENTS[backend.name], (placing, receiving)


SLOT_POLICY = (
    """mutation($input: PickupSlotPolicyInput!) { upsertPickupSlotPolicy(input: $input) { userErrors { code } } }"""
)


async def test_a_pickup_slot_before_the_transfer_can_arrive_is_refused(api: Api) -> None:
    await network(api)
    policy: dict[str, Any] = {"locationId": "s1", "timezone": "UTC", "opensAt": "00:00", "closesAt": "23:00"}
    policy |= {"slotMinutes": 60, "capacityPerSlot": 5, "leadMinutes": 0}
    assert (await api.gql(SLOT_POLICY, {"input": policy}))["upsertPickupSlotPolicy"]["userErrors"] == []
    soon = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=3)
    while soon.hour >= 23:  # a slot the store has, well before the transfer's 30 hours
        soon += timedelta(hours=1)
    later = (soon + timedelta(days=2)).replace(hour=10)
    early = pickup_input("early") | {"delivery": {"method": "PICKUP", "pickupLocationId": "s1"}}
    early["delivery"]["pickupSlotStartsAt"] = soon.isoformat()
    refused = (await api.gql(PLACE, {"input": early}))["placeOrder"]
    assert [e["code"] for e in refused["userErrors"]] == ["SLOT_FULL"]
    assert "before the transfer from w1 can be collected" in refused["userErrors"][0]["message"]
    late = pickup_input("late") | {"delivery": {"method": "PICKUP", "pickupLocationId": "s1"}}
    late["delivery"]["pickupSlotStartsAt"] = later.isoformat()
    assert (await api.gql(PLACE, {"input": late}))["placeOrder"]["userErrors"] == []
    w1 = (await availability(api, ["A"], ids=["w1"]))[0]["locations"][0]
    assert w1["reserved"] == 2  # the refused order kept nothing


async def test_a_short_on_a_transfer_leg_is_decided_by_a_person_and_the_pickup_follows_the_leg(api: Api) -> None:
    await network(api)
    await api.gql(PROCESS, {"input": process(shortPickPolicy="REROUTE_NOW")})  # still no automatic reroute
    kept = await place_pickup(api, "kept", [("A", 2)])
    dropped = await place_pickup(api, "dropped", [("A", 1)])
    lists = await generate(api, "w1")
    for placed, picked in ((kept, 1), (dropped, 0)):
        leg, _ = legs(await order(api, placed["id"]))
        [(list_id, line)] = [(x["id"], ln) for x in lists for ln in x["lines"] if ln["fulfillmentId"] == leg["id"]]
        await confirm(api, list_id, {"pickLineId": line["id"], "quantity": picked, "shortReason": "DAMAGED"})
    tasks = {}
    for placed in (kept, dropped):
        [task] = [e["node"] for e in (await api.gql(TASKS, {"orderId": placed["id"]}))["tasks"]["edges"]]
        assert task["type"] == "PICK_EXCEPTION"
        tasks[placed["id"]] = task["id"]
    refused = (await api.gql(COMPLETE_TASK, {"id": tasks[kept["id"]], "outcome": "REROUTE"}))["completeTask"]
    assert [e["field"] for e in refused["userErrors"]] == [["outcome"]], refused
    done = (await api.gql(COMPLETE_TASK, {"id": tasks[kept["id"]], "outcome": "PARTIAL"}))["completeTask"]
    assert done["userErrors"] == []
    leg, pickup = legs(await order(api, kept["id"]))
    assert (leg["lines"], pickup["lines"]) == ([{"sku": "A", "quantity": 1}], [{"sku": "A", "quantity": 1}])
    await ship_leg_picked(api, leg["id"])
    received = (await api.gql(RECEIVE, {"id": pickup["id"]}))["receiveTransfer"]
    assert received["fulfillment"]["status"] == "READY_FOR_COLLECTION"
    s1 = (await availability(api, ["A"], ids=["s1"]))[0]
    assert (s1["onHand"], s1["reserved"]) == (1, 1)  # the one unit the pickup waits for, nothing more
    done = (await api.gql(COMPLETE_TASK, {"id": tasks[dropped["id"]], "outcome": "CANCEL_LINE"}))["completeTask"]
    assert done["userErrors"] == []
    found = await order(api, dropped["id"])
    assert found["status"] == "CANCELLED"
    assert {f["status"] for f in found["fulfillments"]} == {"CANCELLED"}


async def ship_leg_picked(api: Api, leg_id: str) -> None:
    packed = (await api.gql(COMPLETE_STEP, {"id": leg_id, "step": "PACK"}))["completeStep"]
    assert packed["userErrors"] == [], packed
    shipped = (await api.gql(HAND_OVER, {"id": leg_id, "tracking": "TRK-2"}))["handOver"]
    assert shipped["userErrors"] == [] and shipped["fulfillment"]["status"] == "IN_TRANSIT", shipped


async def test_the_order_created_webhook_tells_the_leg_and_the_stores_pickup(api: Api) -> None:
    await network(api)
    register = REGISTER.replace(
        '"transfer.shipped", "transfer.received", "fulfillment.status_changed"', '"order.created"'
    )
    async with receiving() as hook:
        assert (await api.gql(register, {"url": hook.url}))["registerWebhook"]["userErrors"] == []
        placed = await place_pickup(api, "told")
        [created] = [json.loads(r.body) for r in await hook.wait_for(1)]
    leg, pickup = legs(await order(api, placed["id"]))
    told = {f["id"]: f for f in created["data"]["order"]["fulfillments"]}
    assert told == {
        leg["id"]: {
            "id": leg["id"],
            "locationId": "w1",
            "method": "SHIP",
            "transferTo": "s1",
            "lines": [{"sku": "A", "quantity": 2}],
        },
        pickup["id"]: {
            "id": pickup["id"],
            "locationId": "s1",
            "method": "PICKUP",
            "transferFrom": "w1",
            "lines": [{"sku": "A", "quantity": 2}],
        },
    }
