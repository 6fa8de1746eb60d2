"""Pick and pack through the API: processes, lists per mode, scans, shorts under each policy, steps, hand-over."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.api.network import availability, location, sync, update, upsert_locations
from tests.api.test_orders_api import PLACE, order_input
from tests.harness import Api
from tests.receiver import receiving

PROCESS = """mutation($input: PickProcessInput!) { upsertPickProcess(input: $input) {
  process { id mode steps } userErrors { field code message } } }"""
GENERATE = """mutation($loc: ID!) { generatePickLists(locationId: $loc) {
  pickLists { id mode status location { id }
    lines { id sku quantity picked shortQuantity shortReason fulfillmentId orderId group slot }
    items { sku quantity lines { fulfillmentId quantity slot } } }
  userErrors { field code message } } }"""
CONFIRM = """mutation($input: PickConfirmationInput!) { confirmPick(input: $input) {
  pickList { id status lines { id sku picked shortQuantity shortReason } } userErrors { field code message } } }"""
FULFILLMENT = """fulfillment { id status nextStep trackingNumber steps { step status by reason } }
  userErrors { field code message }"""
COMPLETE_STEP = (
    f"""mutation($id: ID!, $step: String!) {{ completeStep(fulfillmentId: $id, step: $step) {{ {FULFILLMENT} }} }}"""
)
SKIP_STEP = f"""mutation($id: ID!, $step: String!, $why: String!) {{
  skipStep(fulfillmentId: $id, step: $step, reason: $why) {{ {FULFILLMENT} }} }}"""
HAND_OVER = f"""mutation($id: ID!, $tracking: String) {{
  handOver(fulfillmentId: $id, trackingNumber: $tracking) {{ {FULFILLMENT} }} }}"""
COLLECT = f"""mutation($id: ID!, $code: String!) {{
  confirmCollection(fulfillmentId: $id, code: $code) {{ {FULFILLMENT} }} }}"""
ORDER = """query($id: ID!) { order(id: $id) { id status events { type status message }
  fulfillments { id status location { id } lines { sku quantity } nextStep deliveredAt } } }"""
TASKS = """query($orderId: ID) { tasks(orderId: $orderId) { edges { node { id type status location { id } } } } }"""
COMPLETE_TASK = """mutation($id: ID!, $outcome: String!) { completeTask(id: $id, outcome: $outcome) {
  task { id status outcome } userErrors { field code message } } }"""
ACCURACY = """query { locations(market: "US") { id pickAccuracy onTimeRate performance } }"""


def process(pid: str = "fashion", **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": pid,
        "mode": "ORDER",
        "scanToPick": False,
        "shortPickPolicy": "RESOLVE_LATER",
        "steps": ["PICK", "PACK", "HANDOVER"],
        "reasonCodes": ["NOT_FOUND", "DAMAGED", "WRONG_ITEM"],
    }
    return base | overrides


async def store(api: Api, pick_process: dict[str, Any], *, stock: int = 10, backup: int = 0) -> None:
    """Store s1 running `pick_process`, a backup store s2, items A-D with barcodes, zones and categories."""
    assert (await api.gql(PROCESS, {"input": pick_process}))["upsertPickProcess"]["userErrors"] == []
    await upsert_locations(
        api,
        location("s1", pickProcessId=pick_process["id"], priority=10),
        location("s2", geo={"lat": 40.8, "lon": -74.1}),
    )
    items = [
        {"sku": "A", "category": "shoes", "zone": "z2", "barcodes": ["0001"]},
        {"sku": "B", "category": "bags", "zone": "z1", "barcodes": ["0002"]},
        {"sku": "C", "category": "shoes", "zone": "z3", "barcodes": ["0003"]},
        {"sku": "D", "category": "hats", "zone": "z1", "barcodes": ["0004"]},
    ]
    await api.gql("mutation($i: [ItemInput!]!) { upsertItems(input: $i) { count } }", {"i": items})
    updates = [update(sku, "s1", stock) for sku in "ABCD"]
    if backup:
        updates += [update(sku, "s2", backup) for sku in "ABCD"]
    await sync(api, "SNAPSHOT", *updates)


async def place(api: Api, key: str, lines: list[tuple[str, int]], **extra: Any) -> dict[str, Any]:
    result = (await api.gql(PLACE, {"input": order_input(key=key, lines=lines, **extra)}))["placeOrder"]
    assert result["userErrors"] == [], result
    return dict(result["order"])


async def six_orders(api: Api) -> list[str]:
    carts = [[("A", 1), ("B", 1)], [("C", 2)], [("A", 1)], [("B", 1), ("D", 1)], [("D", 3)], [("A", 1), ("C", 1)]]
    return [(await place(api, f"six-{n}", cart))["id"] for n, cart in enumerate(carts)]


async def generate(api: Api, loc: str = "s1") -> list[dict[str, Any]]:
    result = (await api.gql(GENERATE, {"loc": loc}))["generatePickLists"]
    assert result["userErrors"] == []
    return list(result["pickLists"])


async def confirm(api: Api, list_id: str, *lines: dict[str, Any]) -> dict[str, Any]:
    return dict((await api.gql(CONFIRM, {"input": {"pickListId": list_id, "lines": list(lines)}}))["confirmPick"])


async def order(api: Api, order_id: str) -> dict[str, Any]:
    return dict((await api.gql(ORDER, {"id": order_id}))["order"])


def walk(pick_list: dict[str, Any], orders: list[str]) -> list[tuple[str, int, str]]:
    return [(x["sku"], orders.index(x["orderId"]) + 1, x["group"]) for x in pick_list["lines"]]


async def test_each_mode_makes_the_right_lists_from_the_same_six_orders(api: Api) -> None:
    expected = {
        "ORDER": [[("A", 1, "o"), ("B", 1, "o")], [("C", 2, "o")], [("A", 3, "o")]],
        "ITEM": [[("A", 1, "A"), ("A", 3, "A"), ("B", 1, "B"), ("B", 4, "B"), ("C", 2, "C"), ("D", 4, "D")]],
        "ZONE": [[("B", 1, "z1"), ("B", 4, "z1"), ("D", 4, "z1"), ("A", 1, "z2"), ("A", 3, "z2"), ("C", 2, "z3")]],
        "CATEGORY": [
            [
                ("B", 1, "bags"),
                ("B", 4, "bags"),
                ("D", 4, "hats"),
                ("A", 1, "shoes"),
                ("A", 3, "shoes"),
                ("C", 2, "shoes"),
            ]
        ],
    }
    for mode, lists in expected.items():
        await store(api, process(f"p-{mode}", mode=mode, maxOrdersPerList=4))
        orders = await six_orders(api)
        made = await generate(api)
        assert len(made) == (6 if mode == "ORDER" else 2), mode
        for got, want in zip(made, lists, strict=False):
            assert [(s, n, g if mode != "ORDER" else "o") for s, n, g in walk(got, orders)] == want, mode
            assert got["mode"] == mode and got["status"] == "OPEN" and got["location"] == {"id": "s1"}
        assert await generate(api) == []  # idempotent: every waiting fulfillment is on one open list
        if mode == "ITEM":
            first = made[0]["items"][0]
            assert (first["sku"], first["quantity"], [x["slot"] for x in first["lines"]]) == ("A", 2, [1, 3])
        await _wipe(api)


async def _wipe(api: Api) -> None:
    from tests.conftest import wipe

    await wipe(api.server)


async def test_scan_mismatch_changes_nothing_and_the_right_barcode_picks(api: Api) -> None:
    await store(api, process(scanToPick=True))
    order_id = (await place(api, "scan", [("A", 2), ("B", 1)]))["id"]
    [pick_list] = await generate(api)
    line_a, line_b = pick_list["lines"]
    wrong = await confirm(
        api,
        pick_list["id"],
        {"pickLineId": line_b["id"], "quantity": 1, "scannedBarcode": "0002"},
        {"pickLineId": line_a["id"], "quantity": 1, "scannedBarcode": "0002"},
    )
    assert wrong["userErrors"][0]["code"] == "SCAN_MISMATCH"
    assert wrong["userErrors"][0]["field"] == ["input", "lines", "1", "scannedBarcode"]
    assert [x["picked"] for x in wrong["pickList"]["lines"]] == [0, 0]  # the whole confirmation was refused
    assert (await order(api, order_id))["status"] == "ALLOCATED"
    over = await confirm(api, pick_list["id"], {"pickLineId": line_a["id"], "quantity": 3, "scannedBarcode": "0001"})
    assert over["userErrors"][0]["code"] == "INVALID"
    part = await confirm(api, pick_list["id"], {"pickLineId": line_a["id"], "quantity": 1, "scannedBarcode": "0001"})
    assert part["userErrors"] == [] and part["pickList"]["status"] == "IN_PROGRESS"
    found = await order(api, order_id)
    assert (found["status"], found["fulfillments"][0]["status"]) == ("IN_FULFILLMENT", "PICKING")
    done = await confirm(
        api,
        pick_list["id"],
        {"pickLineId": line_a["id"], "quantity": 1, "scannedBarcode": "0001"},
        {"pickLineId": line_b["id"], "quantity": 1, "scannedBarcode": "0002"},
    )
    assert done["pickList"]["status"] == "DONE"
    fulfillment = (await order(api, order_id))["fulfillments"][0]
    assert (fulfillment["status"], fulfillment["nextStep"]) == ("PICKED", "PACK")


async def test_steps_added_skipped_out_of_order_and_a_shipment_handed_over(api: Api) -> None:
    steps = ["PICK", "VERIFY", "PACK", "LABEL", "HANDOVER"]
    await store(api, process(steps=steps))
    order_id = (await place(api, "steps", [("A", 2)]))["id"]
    [pick_list] = await generate(api)
    fid = pick_list["lines"][0]["fulfillmentId"]
    early = (await api.gql(COMPLETE_STEP, {"id": fid, "step": "PACK"}))["completeStep"]
    assert early["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert early["fulfillment"]["nextStep"] == "PICK"
    await confirm(api, pick_list["id"], {"pickLineId": pick_list["lines"][0]["id"], "quantity": 2})
    out_of_order = (await api.gql(COMPLETE_STEP, {"id": fid, "step": "PACK"}))["completeStep"]
    assert out_of_order["userErrors"][0]["message"].startswith("PACK is not the next step (next: VERIFY)")
    skipped = (await api.gql(SKIP_STEP, {"id": fid, "step": "VERIFY", "why": "trusted picker"}))["skipStep"]
    assert skipped["fulfillment"]["nextStep"] == "PACK"
    packed = (await api.gql(COMPLETE_STEP, {"id": fid, "step": "PACK"}))["completeStep"]["fulfillment"]
    assert (packed["status"], packed["nextStep"]) == ("PACKED", "LABEL")
    no_skip = (await api.gql(SKIP_STEP, {"id": fid, "step": "HANDOVER", "why": "x"}))["skipStep"]
    assert no_skip["userErrors"][0]["code"] == "INVALID_TRANSITION"
    await api.gql(COMPLETE_STEP, {"id": fid, "step": "LABEL"})
    untracked = (await api.gql(HAND_OVER, {"id": fid, "tracking": None}))["handOver"]
    assert untracked["userErrors"][0]["field"] == ["trackingNumber"]
    shipped = (await api.gql(HAND_OVER, {"id": fid, "tracking": "1Z999"}))["handOver"]["fulfillment"]
    assert (shipped["status"], shipped["trackingNumber"], shipped["nextStep"]) == ("SHIPPED", "1Z999", None)
    assert [(s["step"], s["status"]) for s in shipped["steps"]] == [
        ("PICK", "DONE"),
        ("VERIFY", "SKIPPED"),
        ("PACK", "DONE"),
        ("LABEL", "DONE"),
        ("HANDOVER", "DONE"),
    ]
    assert shipped["steps"][1]["reason"] == "trusted picker"
    assert (await order(api, order_id))["status"] == "FULFILLED"
    stock = (await availability(api, ["A"], ids=["s1"]))[0]
    assert (stock["onHand"], stock["reserved"]) == (8, 0)  # shipped units left the books


async def test_pickup_is_collected_with_the_right_code_only(api: Api) -> None:
    await store(api, process())
    async with receiving() as hook:
        register = """mutation($url: String!) { registerWebhook(input: {url: $url,
            events: ["fulfillment.status_changed"], secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}) {
            userErrors { code } } }"""
        await api.gql(register, {"url": hook.url})
        pickup = {"method": "PICKUP", "pickupLocationId": "s1"}
        order_id = (await place(api, "pickup", [("B", 1)], delivery=pickup))["id"]
        [pick_list] = await generate(api)
        fid = pick_list["lines"][0]["fulfillmentId"]
        await confirm(api, pick_list["id"], {"pickLineId": pick_list["lines"][0]["id"], "quantity": 1})
        await api.gql(COMPLETE_STEP, {"id": fid, "step": "PACK"})
        ready = (await api.gql(HAND_OVER, {"id": fid}))["handOver"]["fulfillment"]
        assert ready["status"] == "READY_FOR_COLLECTION"
        received = await hook.wait_for(4)  # PICKING, PICKED, PACKED, READY_FOR_COLLECTION
    events = [json.loads(r.body) for r in received]
    code = next(e["data"]["collectionCode"] for e in events if e["data"]["status"] == "READY_FOR_COLLECTION")
    wrong = (await api.gql(COLLECT, {"id": fid, "code": "000000" if code != "000000" else "111111"}))[
        "confirmCollection"
    ]
    assert wrong["userErrors"][0]["field"] == ["code"] and wrong["fulfillment"]["status"] == "READY_FOR_COLLECTION"
    collected = (await api.gql(COLLECT, {"id": fid, "code": code}))["confirmCollection"]
    assert collected["fulfillment"]["status"] == "COLLECTED"
    assert (await order(api, order_id))["status"] == "FULFILLED"


REISSUE = """mutation($id: ID!) { reissueCollectionCode(fulfillmentId: $id) {
  fulfillment { id status collectionAttemptsLeft } userErrors { field code message } } }"""
ATTEMPTS = """mutation($id: ID!, $code: String!) { confirmCollection(fulfillmentId: $id, code: $code) {
  fulfillment { status collectionAttemptsLeft } userErrors { field code message } } }"""


async def test_five_wrong_codes_lock_a_collection_until_a_manager_sends_a_new_code(api: Api) -> None:
    from domain.access import Role
    from tests.api.principals import token_for

    await store(api, process())
    async with receiving() as hook:
        register = """mutation($url: String!) { registerWebhook(input: {url: $url,
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            events: ["fulfillment.status_changed", "fulfillment.collection_failed",
                     "fulfillment.collection_code_reissued"]}) { userErrors { code } } }"""
        await api.gql(register, {"url": hook.url})
        order_id = (await place(api, "locked", [("B", 1)], delivery={"method": "PICKUP", "pickupLocationId": "s1"}))[
            "id"
        ]
        [pick_list] = await generate(api)
        fid = pick_list["lines"][0]["fulfillmentId"]
        await confirm(api, pick_list["id"], {"pickLineId": pick_list["lines"][0]["id"], "quantity": 1})
        await api.gql(COMPLETE_STEP, {"id": fid, "step": "PACK"})
        await api.gql(HAND_OVER, {"id": fid})
        first_code = next(
            e["data"]["collectionCode"]
            for e in [json.loads(r.body) for r in await hook.wait_for(4)]
            if e["data"].get("status") == "READY_FOR_COLLECTION"
        )
        wrong = "000000" if first_code != "000000" else "111111"
        left = []
        for _ in range(5):
            answer = (await api.gql(ATTEMPTS, {"id": fid, "code": wrong}))["confirmCollection"]
            left.append((answer["userErrors"][0]["code"], answer["fulfillment"]["collectionAttemptsLeft"]))
        assert left == [("INVALID", 4), ("INVALID", 3), ("INVALID", 2), ("INVALID", 1), ("TOO_MANY_ATTEMPTS", 0)]
        locked = (await api.gql(ATTEMPTS, {"id": fid, "code": first_code}))["confirmCollection"]
        assert locked["userErrors"][0]["code"] == "TOO_MANY_ATTEMPTS"  # even the right code, once locked
        assert locked["fulfillment"] == {"status": "READY_FOR_COLLECTION", "collectionAttemptsLeft": 0}
        timeline = [e["type"] for e in (await order(api, order_id))["events"]]
        assert "fulfillment.collection_locked" in timeline

        associate = await token_for(api.server, Role.STORE_ASSOCIATE, locations={"s1"})
        refused = await api.raw(REISSUE, {"id": fid}, token=associate)
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        manager = await token_for(api.server, Role.STORE_MANAGER, locations={"s1"})
        reissued = (await api.gql(REISSUE, {"id": fid}, token=manager))["reissueCollectionCode"]
        assert reissued["userErrors"] == [] and reissued["fulfillment"]["collectionAttemptsLeft"] == 5
        events = [json.loads(r.body) for r in await hook.wait_for(10)]  # 4 statuses, 5 failures, 1 new code
    failures = [e["data"] for e in events if e["type"] == "fulfillment.collection_failed"]
    assert sorted((f["failures"], f["locked"]) for f in failures) == [(1, 0), (2, 0), (3, 0), (4, 0), (5, 1)]
    new_code = next(e["data"]["collectionCode"] for e in events if e["type"] == "fulfillment.collection_code_reissued")
    if new_code != first_code:
        stale = (await api.gql(ATTEMPTS, {"id": fid, "code": first_code}))["confirmCollection"]
        assert stale["userErrors"][0]["code"] == "INVALID"  # the old code stopped working
    collected = (await api.gql(ATTEMPTS, {"id": fid, "code": new_code}))["confirmCollection"]
    assert collected == {"fulfillment": {"status": "COLLECTED", "collectionAttemptsLeft": None}, "userErrors": []}
    again = (await api.gql(REISSUE, {"id": fid}))["reissueCollectionCode"]
    assert again["userErrors"][0]["code"] == "INVALID_TRANSITION"  # nothing waits for collection any more


async def test_a_short_pick_rerouted_now_reserves_the_units_elsewhere(api: Api) -> None:
    await store(api, process(shortPickPolicy="REROUTE_NOW"), stock=3, backup=5)
    order_id = (await place(api, "reroute", [("A", 3)]))["id"]
    [pick_list] = await generate(api)
    line = pick_list["lines"][0]
    result = await confirm(api, pick_list["id"], {"pickLineId": line["id"], "quantity": 1, "shortReason": "NOT_FOUND"})
    assert result["pickList"]["lines"][0] | {"id": None} == {
        "id": None,
        "sku": "A",
        "picked": 1,
        "shortQuantity": 2,
        "shortReason": "NOT_FOUND",
    }
    found = await order(api, order_id)
    by_location = {f["location"]["id"]: f for f in found["fulfillments"]}
    assert by_location["s1"]["lines"] == [{"sku": "A", "quantity": 1}] and by_location["s1"]["status"] == "PICKED"
    assert by_location["s2"]["lines"] == [{"sku": "A", "quantity": 2}]
    assert by_location["s2"]["status"] == "AWAITING_PICK"
    assert any(e["type"] == "order.rerouted" and "A x2 to s2" in e["message"] for e in found["events"])
    s1, s2 = [(await availability(api, ["A"], ids=[loc]))[0] for loc in ("s1", "s2")]
    assert (s1["onHand"], s1["reserved"]) == (1, 1)  # 2 phantom units written off, 1 still reserved
    assert s2["reserved"] == 2
    accuracy = {x["id"]: x["pickAccuracy"] for x in (await api.gql(ACCURACY))["locations"]}
    assert accuracy == {"s1": 0.0, "s2": 1.0}
    preview = """query($input: PlaceOrderInput!) { sourcingPreview(input: $input) {
        candidates { location { id } scores { criterion score } } } }"""
    plan = (await api.gql(preview, {"input": order_input(key="next", lines=[("B", 1)])}))["sourcingPreview"]
    performance = {
        c["location"]["id"]: next(s["score"] for s in c["scores"] if s["criterion"] == "performance")
        for c in plan["candidates"]
    }
    assert performance == {"s1": 0.0, "s2": 1.0}  # sourcing now sends less work to the store that short-picks


async def test_a_short_pick_resolved_later_raises_an_exception_the_supervisor_decides(api: Api) -> None:
    await store(api, process(), stock=4, backup=5)
    order_id = (await place(api, "later", [("A", 2), ("B", 2)]))["id"]
    [pick_list] = await generate(api)
    line_a, line_b = pick_list["lines"]
    await confirm(
        api,
        pick_list["id"],
        {"pickLineId": line_a["id"], "quantity": 2},
        {"pickLineId": line_b["id"], "quantity": 0, "shortReason": "WRONG_ITEM"},
    )
    found = await order(api, order_id)
    assert [f["status"] for f in found["fulfillments"]] == ["PICKED"]
    tasks = [e["node"] for e in (await api.gql(TASKS, {"orderId": order_id}))["tasks"]["edges"]]
    [exception] = [t for t in tasks if t["type"] == "PICK_EXCEPTION"]
    assert exception["location"] == {"id": "s1"}
    fid = found["fulfillments"][0]["id"]
    blocked = (await api.gql(COMPLETE_STEP, {"id": fid, "step": "PACK"}))["completeStep"]
    assert "pick exception" in blocked["userErrors"][0]["message"]
    b_at_s1 = (await availability(api, ["B"], ids=["s1"]))[0]
    assert (b_at_s1["onHand"], b_at_s1["reserved"]) == (4, 0)  # WRONG_ITEM keeps on-hand, frees the reservation
    from domain.access import Role
    from tests.api.principals import token_for

    associate = await token_for(api.server, Role.STORE_ASSOCIATE, locations={"s1"})
    refused = await api.gql(COMPLETE_TASK, {"id": exception["id"], "outcome": "CANCEL_LINE"}, token=associate)
    assert refused["completeTask"]["userErrors"][0]["code"] == "FORBIDDEN"  # the manager decides, not the picker
    manager = await token_for(api.server, Role.STORE_MANAGER, locations={"s1"})
    done = (await api.gql(COMPLETE_TASK, {"id": exception["id"], "outcome": "REROUTE"}, token=manager))["completeTask"]
    assert done["task"]["status"] == "DONE", done
    found = await order(api, order_id)
    assert {(f["location"]["id"], f["lines"][0]["sku"], f["lines"][-1]["quantity"]) for f in found["fulfillments"]} == {
        ("s1", "A", 0),
        ("s2", "B", 2),
    }
    assert (await availability(api, ["B"], ids=["s2"]))[0]["reserved"] == 2
    packed = (await api.gql(COMPLETE_STEP, {"id": fid, "step": "PACK"}))["completeStep"]
    assert packed["fulfillment"]["status"] == "PACKED"


async def test_partial_and_cancelled_lines_after_a_short(api: Api) -> None:
    await store(api, process(), stock=2)
    first = (await place(api, "partial", [("A", 2)]))["id"]
    second = (await place(api, "cancel-line", [("C", 1)]))["id"]
    lists = await generate(api)
    decisions = {first: "PARTIAL", second: "CANCEL_LINE"}
    for pick_list in lists:
        line = pick_list["lines"][0]
        picked = 1 if line["sku"] == "A" else 0
        await confirm(api, pick_list["id"], {"pickLineId": line["id"], "quantity": picked, "shortReason": "DAMAGED"})
        tasks = [e["node"] for e in (await api.gql(TASKS, {"orderId": line["orderId"]}))["tasks"]["edges"]]
        done = await api.gql(COMPLETE_TASK, {"id": tasks[0]["id"], "outcome": decisions[line["orderId"]]})
        assert done["completeTask"]["userErrors"] == []
    partial = await order(api, first)
    assert partial["fulfillments"][0]["lines"] == [{"sku": "A", "quantity": 1}]
    assert partial["fulfillments"][0]["status"] == "PICKED"
    cancelled = await order(api, second)
    assert (cancelled["status"], cancelled["fulfillments"][0]["status"]) == ("CANCELLED", "CANCELLED")
    a_at_s1 = (await availability(api, ["A"], ids=["s1"]))[0]
    assert (a_at_s1["onHand"], a_at_s1["reserved"]) == (1, 1)  # one damaged unit written off


async def test_value_added_services_block_packing_until_done(api: Api) -> None:
    await store(api, process(steps=["PICK", "VAS", "PACK", "HANDOVER"]))
    lines = [{"sku": "A", "quantity": 1, "unitPrice": 10.0, "services": ["gift wrap", "engraving"]}]
    result = (await api.gql(PLACE, {"input": order_input(key="vas") | {"lines": lines}}))["placeOrder"]
    order_id = result["order"]["id"]
    tasks = [e["node"] for e in (await api.gql(TASKS, {"orderId": order_id}))["tasks"]["edges"]]
    [vas] = [t for t in tasks if t["type"] == "VAS"]
    assert (vas["status"], vas["location"]) == ("OPEN", {"id": "s1"})
    [pick_list] = await generate(api)
    fid = pick_list["lines"][0]["fulfillmentId"]
    await confirm(api, pick_list["id"], {"pickLineId": pick_list["lines"][0]["id"], "quantity": 1})
    skip = (await api.gql(SKIP_STEP, {"id": fid, "step": "VAS", "why": "no time"}))["skipStep"]
    assert skip["userErrors"][0]["message"] == "VAS cannot be skipped while its task is open"
    blocked = (await api.gql(COMPLETE_STEP, {"id": fid, "step": "VAS"}))["completeStep"]
    assert blocked["userErrors"][0]["code"] == "INVALID_TRANSITION"
    await api.gql(COMPLETE_TASK, {"id": vas["id"], "outcome": "DONE"})
    assert (await api.gql(COMPLETE_STEP, {"id": fid, "step": "VAS"}))["completeStep"]["userErrors"] == []
    packed = (await api.gql(COMPLETE_STEP, {"id": fid, "step": "PACK"}))["completeStep"]["fulfillment"]
    assert packed["status"] == "PACKED"


async def test_an_order_on_hold_is_not_picked_and_bad_processes_are_refused(api: Api) -> None:
    await store(api, process())
    await api.gql("mutation { setFraudPolicy(input: {holdAtRiskScore: 50}) { policy { holdAtRiskScore } } }")
    await place(api, "held", [("A", 1)], riskScore=90)
    assert await generate(api) == []
    bad = (await api.gql(PROCESS, {"input": process(steps=["PACK", "HANDOVER"])}))["upsertPickProcess"]
    assert bad["userErrors"][0]["field"] == ["input", "steps"]
    unknown = (await api.gql(GENERATE, {"loc": "nowhere"}))["generatePickLists"]
    assert unknown["userErrors"][0]["code"] == "NOT_FOUND"


async def test_carriers_deliver_and_the_erp_acknowledges(api: Api) -> None:
    from domain.access import Role
    from tests.api.principals import token_for

    await store(api, process())
    carrier = await token_for(api.server, Role.INTEGRATION, scopes={"fulfillment:write"})
    erp = await token_for(api.server, Role.INTEGRATION, scopes={"orders:write"})
    order_id = (await place(api, "carrier", [("A", 1)]))["id"]
    [pick_list] = await generate(api)
    fid = pick_list["lines"][0]["fulfillmentId"]
    delivered = """mutation($id: ID!) { confirmDelivery(fulfillmentId: $id, carrierReference: "ups-1") {
        fulfillment { status deliveredAt } userErrors { code } } }"""
    early = (await api.gql(delivered, {"id": fid}, token=carrier))["confirmDelivery"]
    assert early["userErrors"][0]["code"] == "INVALID_TRANSITION"
    await confirm(api, pick_list["id"], {"pickLineId": pick_list["lines"][0]["id"], "quantity": 1})
    await api.gql(COMPLETE_STEP, {"id": fid, "step": "PACK"})
    await api.gql(HAND_OVER, {"id": fid, "tracking": "1Z1"})
    before_shipping = """mutation($id: ID!) { confirmDelivery(fulfillmentId: $id, deliveredAt: "2020-01-01T00:00:00Z") {
        userErrors { code field } } }"""
    too_early = (await api.gql(before_shipping, {"id": fid}, token=carrier))["confirmDelivery"]["userErrors"]
    assert too_early == [{"code": "INVALID", "field": ["deliveredAt"]}]  # before it was handed over
    first = (await api.gql(delivered, {"id": fid}, token=carrier))["confirmDelivery"]["fulfillment"]
    again = (await api.gql(delivered, {"id": fid}, token=carrier))["confirmDelivery"]["fulfillment"]
    assert first["deliveredAt"] is not None and again == first
    events = [e["type"] for e in (await order(api, order_id))["events"]]
    assert events.count("fulfillment.delivered") == 1
    ack = """mutation($id: ID!, $ref: String!) { acknowledgeOrder(id: $id, erpReference: $ref) {
        order { id events { type } } userErrors { code field } } }"""
    assert (await api.gql(ack, {"id": order_id, "ref": "SAP-1"}, token=erp))["acknowledgeOrder"]["userErrors"] == []
    assert (await api.gql(ack, {"id": order_id, "ref": "SAP-1"}, token=erp))["acknowledgeOrder"]["userErrors"] == []
    other = (await api.gql(ack, {"id": order_id, "ref": "SAP-2"}, token=erp))["acknowledgeOrder"]
    assert other["userErrors"] == [{"code": "INVALID_TRANSITION", "field": ["erpReference"]}]
    wrong_scope = await api.raw(ack, {"id": order_id, "ref": "SAP-1"}, token=carrier)
    assert [e["extensions"]["code"] for e in wrong_scope["errors"]] == ["FORBIDDEN"]


async def test_concurrent_generation_puts_each_fulfillment_on_one_list(api: Api) -> None:
    await store(api, process(mode="ITEM", maxOrdersPerList=2))
    orders = await six_orders(api)
    results = await asyncio.gather(*(api.gql(GENERATE, {"loc": "s1"}) for _ in range(5)))
    made = [x for r in results for x in r["generatePickLists"]["pickLists"]]
    listed = [line["orderId"] for pick_list in made for line in pick_list["lines"]]
    assert sorted(set(listed)) == sorted(orders)
    per_list = [{line["fulfillmentId"] for line in pick_list["lines"]} for pick_list in made]
    assert sum(len(x) for x in per_list) == len(set().union(*per_list)) == 6
    assert len(made) == 3


async def test_a_store_lists_its_fulfillments_oldest_first_by_status(api: Api) -> None:
    await store(api, process())
    first = (await place(api, "q1", [("A", 1)]))["id"]
    second = (await place(api, "q2", [("B", 1)]))["id"]
    [one, _] = await generate(api)
    await confirm(api, one["id"], {"pickLineId": one["lines"][0]["id"], "quantity": 1})
    query = """query($loc: ID!, $statuses: [FulfillmentStatus!], $after: String) {
        fulfillments(locationId: $loc, statuses: $statuses, first: 1, after: $after) {
        edges { cursor node { orderId status nextStep } } pageInfo { hasNextPage endCursor } } }"""
    page = (await api.gql(query, {"loc": "s1"}))["fulfillments"]
    assert [e["node"]["orderId"] for e in page["edges"]] == [first] and page["pageInfo"]["hasNextPage"]
    rest = (await api.gql(query, {"loc": "s1", "after": page["pageInfo"]["endCursor"]}))["fulfillments"]
    assert [e["node"]["orderId"] for e in rest["edges"]] == [second] and not rest["pageInfo"]["hasNextPage"]
    picked = (await api.gql(query, {"loc": "s1", "statuses": ["PICKED"]}))["fulfillments"]["edges"]
    assert [(e["node"]["orderId"], e["node"]["nextStep"]) for e in picked] == [(first, "PACK")]


async def test_a_cancelled_order_leaves_its_batch_and_cannot_be_picked(api: Api) -> None:
    await store(api, process(mode="ITEM"))
    keep = (await place(api, "keep", [("A", 1)]))["id"]
    gone = (await place(api, "gone", [("A", 2)]))["id"]
    [batch] = await generate(api)
    cancel = """mutation($id: ID!) { cancelOrder(id: $id, reason: "changed mind") { userErrors { code } } }"""
    assert (await api.gql(cancel, {"id": gone}))["cancelOrder"]["userErrors"] == []
    lists = await api.gql('query { pickLists(locationId: "s1") { status lines { id orderId cancelled } } }')
    lines = {x["orderId"]: x for x in lists["pickLists"][0]["lines"]}
    assert (lines[keep]["cancelled"], lines[gone]["cancelled"]) == (False, True)
    refused = await confirm(api, batch["id"], {"pickLineId": lines[gone]["id"], "quantity": 1})
    assert refused["userErrors"][0]["code"] == "INVALID_TRANSITION"
    done = await confirm(api, batch["id"], {"pickLineId": lines[keep]["id"], "quantity": 1})
    assert done["pickList"]["status"] == "DONE"  # the cancelled order no longer holds the batch open
    assert (await availability(api, ["A"], ids=["s1"]))[0]["reserved"] == 1


async def test_store_staff_work_only_their_own_store(api: Api) -> None:
    from domain.access import Role
    from tests.api.principals import token_for

    await store(api, process(), backup=5)
    await upsert_locations(api, location("s2", geo={"lat": 40.8, "lon": -74.1}, pickProcessId="fashion"))
    mine = (await place(api, "mine", [("A", 1)]))["id"]
    theirs = (await place(api, "theirs", [("A", 1)], delivery={"method": "PICKUP", "pickupLocationId": "s2"}))["id"]
    [my_list] = await generate(api, "s1")
    [their_list] = await generate(api, "s2")
    s1_only = await token_for(api.server, Role.STORE_ASSOCIATE, locations={"s1"})

    async def codes(query: str, variables: dict[str, Any]) -> list[str]:
        body = await api.raw(query, variables, token=s1_only)
        return [e["extensions"]["code"] for e in body.get("errors") or []]

    lists = "query($loc: ID!) { pickLists(locationId: $loc) { id lines { orderId } } }"
    assert await codes(lists, {"loc": "s2"}) == ["FORBIDDEN"]
    assert await codes(GENERATE, {"loc": "s2"}) == ["FORBIDDEN"]
    line = their_list["lines"][0]
    confirm_theirs = {"input": {"pickListId": their_list["id"], "lines": [{"pickLineId": line["id"], "quantity": 1}]}}
    assert await codes(CONFIRM, confirm_theirs) == ["FORBIDDEN"]
    assert await codes(COMPLETE_STEP, {"id": line["fulfillmentId"], "step": "PACK"}) == ["FORBIDDEN"]
    queue = "query($loc: ID!) { fulfillments(locationId: $loc) { edges { node { orderId } } } }"
    assert await codes(queue, {"loc": "s2"}) == ["FORBIDDEN"]
    own = (await api.gql(lists, {"loc": "s1"}, token=s1_only))["pickLists"]
    assert [x["lines"][0]["orderId"] for x in own] == [mine] and theirs != mine
    line = my_list["lines"][0]
    mine_confirm = {"input": {"pickListId": my_list["id"], "lines": [{"pickLineId": line["id"], "quantity": 1}]}}
    assert (await api.gql(CONFIRM, mine_confirm, token=s1_only))["confirmPick"]["userErrors"] == []


async def test_cancelling_a_partly_shipped_order_cancels_the_rest_and_frees_its_stock(api: Api) -> None:
    await store(api, process(), stock=10, backup=5)
    order_id = (await place(api, "split", [("A", 12)]))["id"]  # s1 holds 10, s2 5: two shipments
    [pick_list] = await generate(api)
    [line] = pick_list["lines"]
    fid = line["fulfillmentId"]
    await confirm(api, pick_list["id"], {"pickLineId": line["id"], "quantity": line["quantity"]})
    await api.gql(COMPLETE_STEP, {"id": fid, "step": "PACK"})
    await api.gql(HAND_OVER, {"id": fid, "tracking": "1Z-SPLIT"})
    assert (await order(api, order_id))["status"] == "PARTIALLY_FULFILLED"
    cancel = """mutation($id: ID!) { cancelOrder(id: $id, reason: "the rest is not wanted") {
      order { status fulfillments { location { id } status } } userErrors { code message } } }"""
    result = (await api.gql(cancel, {"id": order_id}))["cancelOrder"]
    assert result["userErrors"] == [], result
    assert sorted((f["location"]["id"], f["status"]) for f in result["order"]["fulfillments"]) == [
        ("s1", "SHIPPED"),
        ("s2", "CANCELLED"),
    ]
    assert result["order"]["status"] == "FULFILLED"  # what is left of it was delivered to the carrier
    assert (await availability(api, ["A"], ids=["s2"]))[0]["reserved"] == 0
    again = (await api.gql(cancel, {"id": order_id}))["cancelOrder"]
    assert again["userErrors"][0]["code"] == "INVALID_TRANSITION"  # nothing left to cancel
