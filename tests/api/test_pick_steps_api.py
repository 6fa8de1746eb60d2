"""After the pick through the API: steps done, skipped, blocked, hand-over, delivery, ERP ack, cancelling the rest."""

from __future__ import annotations

from tests.api.network import availability
from tests.api.picking import (
    COMPLETE_STEP,
    COMPLETE_TASK,
    HAND_OVER,
    SKIP_STEP,
    TASKS,
    confirm,
    generate,
    order,
    place,
    process,
    store,
)
from tests.api.test_orders_api import PLACE, order_input
from tests.harness import Api


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
