"""editOrder through the API: lines and delivery change after placement, only what is unpicked, all or nothing."""

from __future__ import annotations

import asyncio
from typing import Any

from domain.access import Role
from tests.api.network import availability, location, sync, update, upsert_locations
from tests.api.picking import confirm, generate
from tests.api.principals import token_for
from tests.api.test_orders_api import order_input
from tests.backends import Backend
from tests.harness import Api

ORDER_FIELDS = """id status total
  lines { id sku quantity unitPrice }
  fulfillments { id status method location { id } lines { sku quantity } }
  events { type status message }
  plan { explanation allocations { location { id } sku quantity reasons } }"""
PLACE = f"""mutation($input: PlaceOrderInput!) {{ placeOrder(input: $input) {{
  order {{ {ORDER_FIELDS} }} userErrors {{ field code message }} }} }}"""
EDIT = f"""mutation($input: EditOrderInput!) {{ editOrder(input: $input) {{
  order {{ {ORDER_FIELDS} }} userErrors {{ field code message }} }} }}"""
ORDER = f"""query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"""
EDIT_STATEMENTS = {"sqlite": 17, "postgres": 17}  # an edit adding one line that joins the order's fulfillment
PICKUP = {"method": "PICKUP", "pickupLocationId": "far"}
TASKS = """query($orderId: ID) { tasks(orderId: $orderId, status: null) {
  edges { node { id type status note location { id } } } } }"""


async def network(api: Api, near: int = 5, far: int = 5) -> None:
    await upsert_locations(
        api,
        location("near", geo={"lat": 40.72, "lon": -74.0}, capabilities=["SHIP", "PICKUP"]),
        location("far", geo={"lat": 41.9, "lon": -87.6}, capabilities=["SHIP", "PICKUP"]),
    )
    await api.gql(
        "mutation($i: [ItemInput!]!) { upsertItems(input: $i) { count } }",
        {"i": [{"sku": s, "category": "c"} for s in ("A", "B", "C")]},
    )
    await sync(api, "SNAPSHOT", *(update(s, "near", near) for s in "ABC"), *(update(s, "far", far) for s in "ABC"))


async def place(api: Api, key: str = "k1", lines: list[tuple[str, int]] | None = None, **extra: Any) -> dict[str, Any]:
    result = (await api.gql(PLACE, {"input": order_input(key=key, lines=lines or [("A", 2)], **extra)}))["placeOrder"]
    assert result["userErrors"] == [], result
    return dict(result["order"])


def edit_input(
    order: dict[str, Any], key: str = "e1", reason: str = "customer called", **changes: Any
) -> dict[str, Any]:
    return {"orderId": order["id"], "idempotencyKey": key, "reason": reason} | changes


async def edit(api: Api, order: dict[str, Any], key: str = "e1", **changes: Any) -> dict[str, Any]:
    return dict((await api.gql(EDIT, {"input": edit_input(order, key, **changes)}))["editOrder"])


async def read(api: Api, order_id: str) -> dict[str, Any]:
    return dict((await api.gql(ORDER, {"id": order_id}))["order"])


async def reserved(api: Api) -> dict[tuple[str, str], int]:
    found = await availability(api, ["A", "B", "C"])
    return {(x["sku"], loc["location"]["id"]): loc["reserved"] for x in found for loc in x["locations"]}


def add(sku: str, quantity: int) -> list[dict[str, Any]]:
    return [{"sku": sku, "quantity": quantity, "unitPrice": 5.0}]


def live(order: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    return sorted(
        (f["location"]["id"], f["status"], x["sku"], x["quantity"])
        for f in order["fulfillments"]
        if f["status"] != "CANCELLED"
        for x in f["lines"]
    )


async def test_a_line_is_added_sourced_reserved_and_numbered_next(api: Api) -> None:
    await network(api)
    order = await place(api, lines=[("A", 2)])
    assert [x["id"] for x in order["lines"]] == [f"{order['id']}:1"]
    result = await edit(api, order, addLines=add("B", 1))
    assert result["userErrors"] == []
    after = result["order"]
    assert [(x["id"], x["sku"], x["quantity"]) for x in after["lines"]] == [
        (f"{order['id']}:1", "A", 2),
        (f"{order['id']}:2", "B", 1),
    ]
    assert after["total"] == 25.0
    assert live(after) == [("near", "AWAITING_PICK", "A", 2), ("near", "AWAITING_PICK", "B", 1)]
    assert len(after["fulfillments"]) == 1  # joined the fulfillment not yet on a pick list
    assert (await reserved(api))[("B", "near")] == 1
    event = after["events"][-1]
    assert event["type"] == "order.edited" and "customer called" in event["message"] and "admin" in event["message"]
    assert any("Edit (Added 1 line)" in line for line in after["plan"]["explanation"])
    assert {(a["sku"], a["quantity"]) for a in after["plan"]["allocations"]} == {("A", 2), ("B", 1)}


async def test_a_removed_line_releases_its_units_and_its_number_is_never_reused(api: Api) -> None:
    await network(api)
    order = await place(api, lines=[("A", 2), ("B", 1)])
    result = await edit(api, order, removeLineIds=[f"{order['id']}:2"])
    assert result["userErrors"] == []
    assert [x["sku"] for x in result["order"]["lines"]] == ["A"]
    assert (await reserved(api))[("B", "near")] == 0
    again = await edit(api, order, key="e2", addLines=add("C", 1))
    assert [x["id"] for x in again["order"]["lines"]] == [f"{order['id']}:1", f"{order['id']}:3"]


async def test_a_quantity_goes_up_and_down(api: Api) -> None:
    await network(api, near=5, far=5)
    order = await place(api, lines=[("A", 2)])
    line = order["lines"][0]["id"]
    up = await edit(api, order, changeQuantities=[{"lineId": line, "quantity": 7}])
    assert up["userErrors"] == []
    # near keeps its 2; the 5 more go where they fit in one parcel
    assert live(up["order"]) == [("far", "AWAITING_PICK", "A", 5), ("near", "AWAITING_PICK", "A", 2)]
    assert (await reserved(api))[("A", "near")] + (await reserved(api))[("A", "far")] == 7
    down = await edit(api, order, key="e2", changeQuantities=[{"lineId": line, "quantity": 1}])
    assert down["userErrors"] == []
    assert sum(q for *_, q in live(down["order"])) == 1
    assert down["order"]["lines"][0]["quantity"] == 1
    assert sum((await reserved(api)).values()) == 1
    assert [f["status"] for f in down["order"]["fulfillments"]].count("CANCELLED") >= 1


async def test_a_new_pickup_store_sources_every_unpicked_line_again(api: Api) -> None:
    await network(api)
    order = await place(api, lines=[("A", 2), ("B", 1)])
    assert live(order)[0][0] == "near"
    result = await edit(api, order, delivery=PICKUP)
    assert result["userErrors"] == []
    after = result["order"]
    assert live(after) == [("far", "AWAITING_PICK", "A", 2), ("far", "AWAITING_PICK", "B", 1)]
    assert {f["method"] for f in after["fulfillments"] if f["status"] != "CANCELLED"} == {"PICKUP"}
    r = await reserved(api)
    assert (r[("A", "near")], r[("A", "far")], r[("B", "far")]) == (0, 2, 1)
    # a new address for a parcel leaves the work where it is
    moved = await edit(api, after, key="e2", delivery={"method": "PICKUP", "pickupLocationId": "far"})
    assert moved["userErrors"] == [] and live(moved["order"]) == live(after)


async def test_a_picked_line_cannot_be_removed_or_reduced(api: Api) -> None:
    await network(api)
    order = await place(api, lines=[("A", 2), ("B", 1)])
    pick_list = (await generate(api, "near"))[0]
    line_a = next(x for x in pick_list["lines"] if x["sku"] == "A")
    assert (await confirm(api, pick_list["id"], {"pickLineId": line_a["id"], "quantity": 1}))["userErrors"] == []
    before = await read(api, order["id"])
    r = await reserved(api)
    first, second = (x["id"] for x in before["lines"])
    for changes in (
        {"removeLineIds": [first]},
        {"changeQuantities": [{"lineId": first, "quantity": 1}]},
        {"delivery": PICKUP},
    ):
        result = await edit(api, order, **changes)
        assert result["userErrors"][0]["code"] == "INVALID_TRANSITION", (changes, result)
    assert result["userErrors"][0]["field"] == ["input", "delivery"]
    assert await read(api, order["id"]) == before and await reserved(api) == r
    more = await edit(api, order, key="e9", changeQuantities=[{"lineId": second, "quantity": 2}])
    assert more["userErrors"] == []  # units not yet picked still change: a new parcel for them
    assert ("near", "AWAITING_PICK", "B", 1) in live(more["order"]) or any(
        f["status"] == "AWAITING_PICK" for f in more["order"]["fulfillments"]
    )


async def test_bad_edits_are_refused_with_the_field_and_change_nothing(api: Api) -> None:
    await network(api)
    order = await place(api, lines=[("A", 2)])
    line = order["lines"][0]["id"]
    before, r = await read(api, order["id"]), await reserved(api)
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"changeQuantities": [{"lineId": line, "quantity": 0}]}, ["input", "changeQuantities", "0", "quantity"]),
        ({"changeQuantities": [{"lineId": line, "quantity": -3}]}, ["input", "changeQuantities", "0", "quantity"]),
        ({"removeLineIds": [f"{order['id']}:9"]}, ["input", "removeLineIds", "0"]),
        ({"removeLineIds": ["ord_other:1"]}, ["input", "removeLineIds", "0"]),
        ({"removeLineIds": [line]}, ["input", "removeLineIds"]),
        ({"addLines": add("NOPE", 1)}, ["input", "addLines", "0", "sku"]),
        ({"addLines": add("B", 0)}, ["input", "addLines", "0", "quantity"]),
        ({}, ["input", "addLines"]),
    ]
    for changes, field in cases:
        result = await edit(api, order, **changes)
        assert result["userErrors"][0]["code"] == "INVALID", (changes, result)
        assert result["userErrors"][0]["field"] == field, (changes, result)
    no_reason = await edit(api, order, reason="  ", addLines=add("B", 1))
    assert no_reason["userErrors"][0]["field"] == ["input", "reason"]
    assert await read(api, order["id"]) == before and await reserved(api) == r


async def test_a_cancelled_order_cannot_be_edited(api: Api) -> None:
    await network(api)
    order = await place(api)
    await api.gql('mutation($id: ID!) { cancelOrder(id: $id, reason: "asked") { userErrors { code } } }', order)
    result = await edit(api, order, addLines=add("B", 1))
    assert result["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert result["order"]["status"] == "CANCELLED" and (await reserved(api))[("B", "near")] == 0


async def test_not_enough_stock_leaves_the_order_exactly_as_it_was(api: Api) -> None:
    await network(api, near=3, far=1)
    order = await place(api, lines=[("A", 2), ("B", 1)])
    before, r = await read(api, order["id"]), await reserved(api)
    line = order["lines"][0]["id"]
    result = await edit(
        api, order, addLines=add("C", 1), removeLineIds=[order["lines"][1]["id"]],
        changeQuantities=[{"lineId": line, "quantity": 9}],
    )  # fmt: skip
    assert result["userErrors"][0]["code"] == "INSUFFICIENT_STOCK"
    assert await read(api, order["id"]) == before and await reserved(api) == r


async def test_the_same_key_replays_and_another_input_conflicts(api: Api) -> None:
    await network(api)
    order = await place(api)
    first = await edit(api, order, key="same", addLines=add("B", 1))
    again = await edit(api, order, key="same", addLines=add("B", 1))
    assert again["userErrors"] == [] and again["order"] == first["order"]
    other = await edit(api, order, key="same", addLines=add("B", 2))
    assert other["userErrors"][0]["code"] == "IDEMPOTENCY_CONFLICT"
    assert (await reserved(api))[("B", "near")] == 1
    assert [e["type"] for e in (await read(api, order["id"]))["events"]].count("order.edited") == 1


async def test_a_store_edits_only_its_own_orders(api: Api) -> None:
    await network(api)
    order = await place(api)  # at "near"
    token = await token_for(api.server, Role.STORE_MANAGER, locations={"far"})
    result = await api.raw(EDIT, {"input": edit_input(order, addLines=add("B", 1))}, token=token)
    assert "FORBIDDEN" in str(result) and (await reserved(api))[("B", "near")] == 0
    mine = await token_for(api.server, Role.STORE_MANAGER, locations={"near"})
    ok = await api.raw(EDIT, {"input": edit_input(order, addLines=add("B", 1))}, token=mine)
    assert ok["data"]["editOrder"]["userErrors"] == []


async def test_edits_and_orders_racing_for_the_last_units_never_oversell(api: Api) -> None:
    await network(api, near=10, far=0)
    order = await place(api, key="edited", lines=[("A", 1)])
    line = order["lines"][0]["id"]
    edits = [
        edit(api, order, key=f"e{n}", changeQuantities=[{"lineId": line, "quantity": 1 + n % 5}]) for n in range(20)
    ]
    orders = [api.gql(PLACE, {"input": order_input(key=f"o{n}", lines=[("A", 1)])}) for n in range(20)]
    results = await asyncio.gather(*edits, *orders)
    placed = [r["placeOrder"]["order"] for r in results[20:] if r["placeOrder"]["order"]]
    everyone = [await read(api, x["id"]) for x in [order, *placed]]
    held = sum(q for o in everyone for *_, q in live(o))
    assert held == (await reserved(api))[("A", "near")] <= 10
    for o in everyone:  # each order's lines are what its live fulfillments hold
        assert sum(x["quantity"] for x in o["lines"]) == sum(q for *_, q in live(o))
    mine = await read(api, order["id"])
    applied = [r for r in results[:20] if r["userErrors"] == []]
    assert [e["type"] for e in mine["events"]].count("order.edited") == len(applied)


async def test_an_edit_runs_a_handful_of_statements(api: Api, backend: Backend) -> None:
    await network(api)
    order = await place(api)
    await edit(api, order, key="warm", addLines=add("B", 1))
    data, statements = await api.counted(EDIT, {"input": edit_input(order, key="counted", addLines=add("C", 1))})
    assert data["editOrder"]["userErrors"] == []
    # The edit, 13: lock the order row, its line rows, its fulfillments, the new SKU's item, its positions,
    # lapsed holds there, one guarded reservation, the fulfillment's new line, the new order line, the order
    # row, the event, the outbox event. The answer, 4: the order and its lines, fulfillments, events.
    assert statements == EDIT_STATEMENTS[backend.name], statements


async def test_added_units_with_services_get_their_tasks_and_a_moved_fulfillments_tasks_go_with_it(api: Api) -> None:
    await network(api)
    wrapped = {"sku": "B", "quantity": 1, "unitPrice": 5.0, "services": ["gift wrap"]}
    order = await place(api, lines=[("A", 1)])
    joined = await edit(api, order, addLines=[wrapped])  # joins the order's fulfillment at near
    assert joined["userErrors"] == []
    [fulfillment] = [f for f in joined["order"]["fulfillments"] if f["status"] == "AWAITING_PICK"]
    [task] = await vas_tasks(api, order["id"])
    assert (task["status"], task["location"], task["note"]) == ("OPEN", {"id": "near"}, "gift wrap for B x1")
    moved = await edit(api, joined["order"], key="e2", delivery=PICKUP)  # every unit moves to far
    assert moved["userErrors"] == []
    after = sorted((t["location"]["id"], t["status"], t["note"]) for t in await vas_tasks(api, order["id"]))
    assert after == [("far", "OPEN", "gift wrap for B x1"), ("near", "CANCELLED", "gift wrap for B x1")]
    assert fulfillment["id"] in {f["id"] for f in moved["order"]["fulfillments"] if f["status"] == "CANCELLED"}


async def vas_tasks(api: Api, order_id: str) -> list[dict[str, Any]]:
    found = (await api.gql(TASKS, {"orderId": order_id}))["tasks"]["edges"]
    return [e["node"] for e in found if e["node"]["type"] == "VAS"]


async def test_an_unknown_postal_code_in_an_edit_is_a_user_error_and_changes_nothing(api: Api) -> None:
    await network(api)
    order = await place(api)
    before = await reserved(api)
    unknown = {"method": "SHIP", "destination": {"postalCode": "00000", "country": "US"}}
    found = await edit(api, order, delivery=unknown)
    [error] = found["userErrors"]
    assert error["code"] == "INVALID" and error["field"][-1] == "postalCode" and "00000" in error["message"]
    assert await reserved(api) == before and (await read(api, order["id"]))["fulfillments"] == order["fulfillments"]
