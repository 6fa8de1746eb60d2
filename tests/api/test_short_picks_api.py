"""Short picks through the API under each policy: reroute now, resolve later, partial and cancelled lines."""

from __future__ import annotations

from tests.api.network import availability
from tests.api.picking import (
    ACCURACY,
    COMPLETE_STEP,
    COMPLETE_TASK,
    TASKS,
    confirm,
    generate,
    order,
    place,
    process,
    store,
)
from tests.api.test_orders_api import order_input
from tests.harness import Api


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
