"""Pickup collection through the API: the right code only, and five wrong codes lock it until a manager reissues one."""

from __future__ import annotations

import json

from tests.api.picking import (
    COLLECT,
    COMPLETE_STEP,
    HAND_OVER,
    confirm,
    generate,
    order,
    place,
    process,
    store,
)
from tests.harness import Api
from tests.receiver import receiving


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
