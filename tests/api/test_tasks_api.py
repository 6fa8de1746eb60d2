"""Manual processes: fraud review holds and releases orders, exclusive claims, outcomes, escalation, taskEvents."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.api.network import availability, location, sync, update, upsert_locations
from tests.api.test_orders_api import PLACE, order_input
from tests.harness import Api, subscriptions

TASKS = """query($orderId: ID) { tasks(orderId: $orderId) { edges { node {
  id type status assigneeRole escalationLevel outcome order { id status } } } } }"""
CLAIM = "mutation($id: ID!) { claimTask(id: $id) { task { id status } userErrors { code message } } }"
COMPLETE = """mutation($id: ID!, $outcome: String!) { completeTask(id: $id, outcome: $outcome, note: "checked") {
  task { id status outcome } userErrors { field code message } } }"""


async def shop(api: Api) -> None:
    await upsert_locations(api, location("s1"))
    await api.gql('mutation { upsertItems(input: [{sku: "A", category: "c"}]) { count } }')
    await sync(api, "SNAPSHOT", update("A", "s1", 10))
    policy = """mutation { setFraudPolicy(input: {holdAtRiskScore: 80, holdAtOrderTotal: 500}) {
        policy { holdAtRiskScore } } }"""
    await api.gql(policy)


async def place(api: Api, key: str, **extra: Any) -> dict[str, Any]:
    extra.setdefault("lines", [("A", 2)])
    return dict((await api.gql(PLACE, {"input": order_input(key=key, **extra)}))["placeOrder"]["order"])


async def review_of(api: Api, order_id: str) -> dict[str, Any]:
    edges = (await api.gql(TASKS, {"orderId": order_id}))["tasks"]["edges"]
    assert len(edges) == 1
    return dict(edges[0]["node"])


async def test_a_risky_order_waits_on_hold_with_stock_reserved_and_approval_releases_it(api: Api) -> None:
    await shop(api)
    order = await place(api, "risky", riskScore=91)
    assert order["status"] == "ON_HOLD"
    assert (await availability(api, ["A"]))[0]["reserved"] == 2
    task = await review_of(api, order["id"])
    assert (task["type"], task["status"], task["assigneeRole"]) == ("FRAUD_REVIEW", "OPEN", "AGENT")
    assert (await api.gql(CLAIM, {"id": task["id"]}))["claimTask"]["task"]["status"] == "CLAIMED"
    again = (await api.gql(CLAIM, {"id": task["id"]}))["claimTask"]
    assert again["task"] is None and again["userErrors"][0]["code"] == "INVALID_TRANSITION"
    done = (await api.gql(COMPLETE, {"id": task["id"], "outcome": "APPROVE"}))["completeTask"]
    assert done["task"] == {"id": task["id"], "status": "DONE", "outcome": "APPROVE"}
    assert (await review_of(api, order["id"]))["order"]["status"] == "ALLOCATED"


async def test_rejection_cancels_the_order_and_frees_the_stock(api: Api) -> None:
    await shop(api)
    order = await place(api, "big", lines=[("A", 1)], riskScore=10)
    assert order["status"] == "ALLOCATED"  # below both thresholds
    large = await place(api, "large", riskScore=None)  # 2 x 10.0 is below 500 too
    assert large["status"] == "ALLOCATED"
    suspicious = await place(api, "sus", riskScore=80)
    task = await review_of(api, suspicious["id"])
    wrong = (await api.gql(COMPLETE, {"id": task["id"], "outcome": "RESTOCK"}))["completeTask"]
    assert wrong["userErrors"][0]["field"] == ["outcome"]
    await api.gql(COMPLETE, {"id": task["id"], "outcome": "REJECT"})
    assert (await review_of(api, suspicious["id"]))["order"]["status"] == "CANCELLED"
    assert (await availability(api, ["A"]))[0]["reserved"] == 3  # 1 + 2 still placed, the rejected 2 freed


async def test_an_overdue_review_escalates_once_and_a_fresh_one_does_not(api: Api) -> None:
    await shop(api)
    policy = """mutation { upsertTaskPolicy(input: {taskType: "FRAUD_REVIEW", slaMinutes: 0.002,
        escalateToRoles: ["AGENT", "ADMIN"]}) { userErrors { code } } }"""
    assert (await api.gql(policy))["upsertTaskPolicy"]["userErrors"] == []
    async with subscriptions(api.server) as ws:
        await ws.subscribe("subscription { taskEvents { type taskType assigneeRole escalationLevel } }")
        await asyncio.sleep(0.2)  # listening before the task exists: the first escalation cannot be missed
        order = await place(api, "late", riskScore=99)
        event = (await ws.next_data(wait=10))["data"]["taskEvents"]
        while event["type"] != "task.escalated":  # task.created comes first
            event = (await ws.next_data(wait=10))["data"]["taskEvents"]
    assert event == {
        "type": "task.escalated",
        "taskType": "FRAUD_REVIEW",
        "assigneeRole": "ADMIN",
        "escalationLevel": 1,
    }
    slow = """mutation { upsertTaskPolicy(input: {taskType: "FRAUD_REVIEW", slaMinutes: 600,
        escalateToRoles: ["AGENT"]}) { userErrors { code } } }"""
    await api.gql(slow)
    fresh = await place(api, "fresh", riskScore=99)
    await asyncio.sleep(0.5)
    assert (await review_of(api, fresh["id"]))["escalationLevel"] == 0
    assert (await review_of(api, order["id"]))["escalationLevel"] >= 1


async def test_an_automatic_outcome_applies_after_its_time(api: Api) -> None:
    await shop(api)
    policy = """mutation { upsertTaskPolicy(input: {taskType: "FRAUD_REVIEW", slaMinutes: 60,
        escalateToRoles: ["AGENT"],
        autoOutcomeAfterMinutes: 0.002, autoOutcome: "REJECT"}) { userErrors { code message } } }"""
    assert (await api.gql(policy))["upsertTaskPolicy"]["userErrors"] == []
    order = await place(api, "auto", riskScore=99)
    for _ in range(100):
        task = await review_of(api, order["id"])
        if task["status"] == "DONE":
            break
        await asyncio.sleep(0.05)
    assert (task["outcome"], task["order"]["status"]) == ("REJECT", "CANCELLED")


RETURN = """mutation($input: ReturnInput!) { requestReturn(input: $input) { return { id } userErrors { code } } }"""
RECEIVE = """mutation($id: ID!, $loc: ID!) { receiveReturn(id: $id, locationId: $loc) {
  task { id type status subjectId location { id } } userErrors { code message } } }"""


async def shipped_return(api: Api, quantity: int) -> str:
    """An order of 2 A from s1, shipped, with a return of `quantity` requested."""
    from app.services.uow import utc_now
    from app.store import fulfillments as fulfillment_store
    from domain.orders import FulfillmentStatus

    order = await place(api, f"ret-{quantity}", riskScore=1)
    async with api.server.resources.db.write() as conn:  # hand-over belongs to pick and pack
        await fulfillment_store.set_fulfillment_status(
            conn, order["fulfillments"][0]["id"], FulfillmentStatus.SHIPPED, utc_now()
        )
    ask = {"orderId": order["id"], "lines": [{"sku": "A", "quantity": quantity}], "reason": "does not fit"}
    return str((await api.gql(RETURN, {"input": ask}))["requestReturn"]["return"]["id"])


async def test_a_received_return_is_checked_and_restock_puts_it_back_on_hand(api: Api) -> None:
    await shop(api)
    return_id = await shipped_return(api, 2)
    received = (await api.gql(RECEIVE, {"id": return_id, "loc": "s1"}))["receiveReturn"]
    task = received["task"]
    assert (task["type"], task["status"], task["subjectId"], task["location"]) == (
        "RETURN_QC",
        "OPEN",
        return_id,
        {"id": "s1"},
    )
    twice = (await api.gql(RECEIVE, {"id": return_id, "loc": "s1"}))["receiveReturn"]
    assert twice["userErrors"][0]["code"] == "INVALID_TRANSITION"
    before = (await availability(api, ["A"]))[0]["onHand"]
    done = (await api.gql(COMPLETE, {"id": task["id"], "outcome": "RESTOCK"}))["completeTask"]
    assert done["task"]["outcome"] == "RESTOCK"
    assert (await availability(api, ["A"]))[0]["onHand"] == before + 2


async def test_a_damaged_return_does_not_come_back_on_hand(api: Api) -> None:
    await shop(api)
    return_id = await shipped_return(api, 1)
    task = (await api.gql(RECEIVE, {"id": return_id, "loc": "s1"}))["receiveReturn"]["task"]
    before = (await availability(api, ["A"]))[0]["onHand"]
    await api.gql(COMPLETE, {"id": task["id"], "outcome": "DAMAGED"})
    assert (await availability(api, ["A"]))[0]["onHand"] == before


async def test_a_fraud_provider_completes_the_review_through_an_integration_token(api: Api) -> None:
    from domain.access import Role
    from tests.api.principals import token_for

    await shop(api)
    provider = await token_for(api.server, Role.INTEGRATION, scopes={"orders:write"})
    order = await place(api, "provider", riskScore=95)
    task = await review_of(api, order["id"])
    done = (await api.gql(COMPLETE, {"id": task["id"], "outcome": "APPROVE"}, token=provider))["completeTask"]
    assert done["task"]["outcome"] == "APPROVE"
    assert (await review_of(api, order["id"]))["order"]["status"] == "ALLOCATED"
    return_id = await shipped_return(api, 1)
    qc = (await api.gql(RECEIVE, {"id": return_id, "loc": "s1"}))["receiveReturn"]["task"]
    refused = (await api.gql(COMPLETE, {"id": qc["id"], "outcome": "RESTOCK"}, token=provider))["completeTask"]
    assert refused["userErrors"][0]["code"] == "FORBIDDEN"  # return checks are decided by people


async def test_escalation_stops_at_the_top_of_the_ladder_and_says_so_once(api: Api) -> None:
    await shop(api)
    policy = """mutation { upsertTaskPolicy(input: {taskType: "FRAUD_REVIEW", slaMinutes: 0.002,
        escalateToRoles: ["AGENT", "ADMIN"]}) { userErrors { code } } }"""
    assert (await api.gql(policy))["upsertTaskPolicy"]["userErrors"] == []
    async with subscriptions(api.server) as ws:
        await ws.subscribe("subscription { taskEvents { type assigneeRole escalationLevel } }")
        await asyncio.sleep(0.2)
        order = await place(api, "late", riskScore=99)
        seen: list[dict[str, Any]] = []
        while not seen or seen[-1]["type"] != "task.escalation_exhausted":
            seen.append((await ws.next_data(wait=10))["data"]["taskEvents"])
        await asyncio.sleep(0.5)  # several scheduler intervals (0.1 s) more: nothing else comes
        with pytest.raises(TimeoutError):
            await ws.next_data(wait=0.3)
    assert seen == [
        {"type": "task.created", "assigneeRole": "AGENT", "escalationLevel": 0},
        {"type": "task.escalated", "assigneeRole": "ADMIN", "escalationLevel": 1},
        {"type": "task.escalation_exhausted", "assigneeRole": "ADMIN", "escalationLevel": 1},
    ]
    query = """query($orderId: ID) { tasks(orderId: $orderId) { edges { node {
        escalationLevel assigneeRole dueAt escalationExhausted } } } }"""
    [edge] = (await api.gql(query, {"orderId": order["id"]}))["tasks"]["edges"]
    assert edge["node"] == {"escalationLevel": 1, "assigneeRole": "ADMIN", "dueAt": None, "escalationExhausted": True}
