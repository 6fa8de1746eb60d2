"""Pick lists through the API: each mode, scans, holds, concurrency, the store's queue, cancellations, staff scope."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.api.network import availability, location, upsert_locations
from tests.api.picking import (
    COMPLETE_STEP,
    CONFIRM,
    GENERATE,
    PROCESS,
    confirm,
    generate,
    order,
    place,
    process,
    six_orders,
    store,
    walk,
)
from tests.harness import Api


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


async def test_an_order_on_hold_is_not_picked_and_bad_processes_are_refused(api: Api) -> None:
    await store(api, process())
    await api.gql("mutation { setFraudPolicy(input: {holdAtRiskScore: 50}) { policy { holdAtRiskScore } } }")
    await place(api, "held", [("A", 1)], riskScore=90)
    assert await generate(api) == []
    bad = (await api.gql(PROCESS, {"input": process(steps=["PACK", "HANDOVER"])}))["upsertPickProcess"]
    assert bad["userErrors"][0]["field"] == ["input", "steps"]
    unknown = (await api.gql(GENERATE, {"loc": "nowhere"}))["generatePickLists"]
    assert unknown["userErrors"][0]["code"] == "NOT_FOUND"


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
