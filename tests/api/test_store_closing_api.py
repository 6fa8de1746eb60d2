"""A store closes (setLocationActive): promising stops at once, unstarted work moves, started work stays."""

from __future__ import annotations

import asyncio
from typing import Any

from domain.access import Role
from tests.api.network import availability, sync, update
from tests.api.picking import COMPLETE_TASK, TASKS, confirm, generate, order, place, process, store
from tests.api.principals import token_for
from tests.api.test_fulfillment_options_api import OPTIONS
from tests.harness import Api, subscriptions

SET_ACTIVE = """mutation($input: SetLocationActiveInput!) { setLocationActive(input: $input) {
  location { id active } resourced unresolved kept userErrors { field code message } } }"""
LISTS = """query { pickLists(locationId: "s1") { id status lines { fulfillmentId cancelled } } }"""
OPEN_WORK = """query { fulfillments(locationId: "s1", statuses: [PICKING, PICKED, PACKED, READY_FOR_COLLECTION]) {
  edges { node { id orderId status } } } }"""


async def set_active(api: Api, active: bool, reason: str = "flood", loc: str = "s1", **kw: Any) -> dict[str, Any]:
    variables = {"input": {"id": loc, "active": active, "reason": reason}}
    return dict((await api.gql(SET_ACTIVE, variables, **kw))["setLocationActive"])


async def pickup_stores(api: Api) -> set[str]:
    payload = {"channel": "web", "market": "US", "lines": [{"sku": "A", "quantity": 1}]}
    data = await api.gql(OPTIONS, {"input": payload | {"destination": {"geo": {"lat": 40.7, "lon": -74.0}}}})
    return {o["location"]["id"] for o in data["fulfillmentOptions"] if o["method"] == "PICKUP" and o["location"]}


async def closing_store(api: Api) -> dict[str, str]:
    """s1 has A-D; s2 has A and B only. One order picked at s1, three waiting there (two on untouched lists)."""
    await store(api, process(), stock=10)
    await sync(api, "SNAPSHOT", update("A", "s2", 5), update("B", "s2", 5))
    picked = (await place(api, "picked", [("D", 1)]))["id"]
    [started] = await generate(api)
    await confirm(api, started["id"], {"pickLineId": started["lines"][0]["id"], "quantity": 1})
    ids = {"picked": picked}
    for key, sku in (("a", "A"), ("b", "B"), ("c", "C")):
        ids[key] = (await place(api, key, [(sku, 2 if sku == "A" else 1)]))["id"]
    await generate(api)  # lists made, nothing picked on them: still movable
    return ids


async def test_closing_a_store_moves_unstarted_work_opens_a_task_for_the_rest_and_keeps_picked_work(api: Api) -> None:
    ids = await closing_store(api)
    assert "s1" in await pickup_stores(api)
    result = await set_active(api, False, "flood in the stockroom")
    assert result == {
        "location": {"id": "s1", "active": False},
        "resourced": 2,
        "unresolved": 1,
        "kept": 1,
        "userErrors": [],
    }
    for key, sku, quantity in (("a", "A", 2), ("b", "B", 1)):
        found = await order(api, ids[key])
        where = {(f["location"]["id"], f["status"]) for f in found["fulfillments"]}
        assert where == {("s1", "CANCELLED"), ("s2", "AWAITING_PICK")}
        assert found["status"] == "ALLOCATED"
        [event] = [e for e in found["events"] if e["type"] == "order.rerouted"]
        assert event["message"] == f"Store s1 closed (flood in the stockroom): rerouted {sku} x{quantity} to s2"
    a_s2 = (await availability(api, ["A"], ids=["s2"]))[0]["locations"][0]
    assert a_s2["reserved"] == 2  # the reservation moved with the work
    stranded = await order(api, ids["c"])
    assert [(f["location"]["id"], f["status"]) for f in stranded["fulfillments"]] == [("s1", "AWAITING_PICK")]
    assert any(e["type"] == "order.store_closed" for e in stranded["events"])
    tasks = [e["node"] for e in (await api.gql(TASKS, {"orderId": ids["c"]}))["tasks"]["edges"]]
    assert [(t["type"], t["status"], t["location"]) for t in tasks] == [("STORE_CLOSED", "OPEN", {"id": "s1"})]
    picked = await order(api, ids["picked"])
    assert [(f["location"]["id"], f["status"]) for f in picked["fulfillments"]] == [("s1", "PICKED")]
    open_work = [e["node"]["orderId"] for e in (await api.gql(OPEN_WORK))["fulfillments"]["edges"]]
    assert open_work == [ids["picked"]]  # what stays is listed for the store
    lists = (await api.gql(LISTS))["pickLists"]
    moved_lines = [x for pl in lists for x in pl["lines"] if x["cancelled"]]
    assert len(moved_lines) == 2  # their pick lines are put back

    at_s1 = (await availability(api, ["A"], ids=["s1"]))[0]
    assert at_s1["atp"] == 0 and at_s1["locations"] == []  # promising stopped at once
    assert "s1" not in await pickup_stores(api)

    again = await set_active(api, False, "flood in the stockroom")
    assert (again["resourced"], again["unresolved"], again["kept"]) == (0, 1, 1)  # idempotent: nothing more moves
    tasks = [e["node"] for e in (await api.gql(TASKS, {"orderId": ids["c"]}))["tasks"]["edges"]]
    assert len(tasks) == 1
    assert len([e for e in (await order(api, ids["a"]))["events"] if e["type"] == "order.rerouted"]) == 1

    reopened = await set_active(api, True, "dry again")
    assert (reopened["location"], reopened["resourced"], reopened["unresolved"]) == ({"id": "s1", "active": True}, 0, 0)
    assert (await availability(api, ["A"], ids=["s1"]))[0]["atp"] == 10
    assert "s1" in await pickup_stores(api)
    found = await order(api, ids["a"])
    assert {(f["location"]["id"], f["status"]) for f in found["fulfillments"]} == {
        ("s1", "CANCELLED"),
        ("s2", "AWAITING_PICK"),
    }  # nothing moves back


async def test_a_stranded_fulfillment_is_rerouted_by_its_task_once_stock_exists_elsewhere(api: Api) -> None:
    ids = await closing_store(api)
    await set_active(api, False)
    [task] = [e["node"] for e in (await api.gql(TASKS, {"orderId": ids["c"]}))["tasks"]["edges"]]
    refused = (await api.gql(COMPLETE_TASK, {"id": task["id"], "outcome": "REROUTE"}))["completeTask"]
    assert refused["userErrors"][0]["code"] == "INSUFFICIENT_STOCK"
    restock = await sync(api, "DELTA", update("C", "s2", 3, as_of="2026-11-20T11:00:00+00:00", eventId="c-in"))
    assert restock["userErrors"] == []
    done = (await api.gql(COMPLETE_TASK, {"id": task["id"], "outcome": "REROUTE"}))["completeTask"]
    assert done["userErrors"] == [] and done["task"]["status"] == "DONE"
    found = await order(api, ids["c"])
    assert {(f["location"]["id"], f["status"]) for f in found["fulfillments"]} == {
        ("s1", "CANCELLED"),
        ("s2", "AWAITING_PICK"),
    }


async def test_bad_input_and_another_stores_manager_are_refused(api: Api) -> None:
    await closing_store(api)
    unknown = await set_active(api, False, loc="nowhere")
    assert [e["code"] for e in unknown["userErrors"]] == ["NOT_FOUND"]
    blank = await set_active(api, False, reason="  ")
    assert [(e["code"], e["field"]) for e in blank["userErrors"]] == [("INVALID", ["input", "reason"])]
    assert "s1" in await pickup_stores(api)  # nothing changed
    other = await token_for(api.server, Role.STORE_MANAGER, locations={"s2"})
    body = await api.raw(SET_ACTIVE, {"input": {"id": "s1", "active": False, "reason": "strike"}}, token=other)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    associate = await token_for(api.server, Role.STORE_ASSOCIATE, locations={"s1"})
    body = await api.raw(SET_ACTIVE, {"input": {"id": "s1", "active": False, "reason": "strike"}}, token=associate)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    own = await token_for(api.server, Role.STORE_MANAGER, locations={"s1"})
    closed = await set_active(api, False, "inventory count", token=own)
    assert (closed["location"], closed["resourced"], closed["unresolved"]) == ({"id": "s1", "active": False}, 2, 1)


async def test_subscribers_hear_the_closed_stores_stock_leave_and_come_back(api: Api) -> None:
    await store(api, process(), stock=4)
    await sync(api, "SNAPSHOT", update("A", "s2", 5))
    query = """subscription($skus: [String!]!) {
      availabilityChanged(skus: $skus, channel: "web", market: "US") { sku atp } }"""
    async with subscriptions(api.server, token=None) as ws:
        await ws.subscribe(query, {"skus": ["A"]})
        await asyncio.sleep(0.2)  # the subscription is listening once its first await runs
        assert (await set_active(api, False))["userErrors"] == []
        assert (await ws.next_data())["data"]["availabilityChanged"] == {"sku": "A", "atp": 5}
        assert (await set_active(api, True, "dry again"))["userErrors"] == []
        assert (await ws.next_data())["data"]["availabilityChanged"] == {"sku": "A", "atp": 9}
