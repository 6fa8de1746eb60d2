"""Row-level scoping: store staff of store A never see store B's orders, fulfillments or tasks, by any path."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import pytest

from app.services import task_log, tokens
from app.services.uow import utc_now
from domain.access import Role, TokenGrant
from tests.api.network import location, sync, update, upsert_locations
from tests.api.principals import token_for
from tests.api.test_orders_api import CANCEL, PLACE, order_input
from tests.harness import Api, subscriptions

ORDERS = "{ orders(first: 100) { edges { node { id fulfillments { location { id } } } } } }"
ORDER = "query($id: ID!) { order(id: $id) { id fulfillments { location { id } } } }"
ENTITIES = "query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Order { id } } }"
TASKS = "query($loc: ID) { tasks(locationId: $loc) { edges { node { id location { id } order { id } } } } }"
CLAIM = "mutation($id: ID!) { claimTask(id: $id) { task { id status } userErrors { code } } }"


async def two_stores(api: Api) -> dict[str, str]:
    """Store "sa" holds A, store "sb" holds B; orders: A (sa), B (sb), A+B split over both."""
    await upsert_locations(api, location("sa", capabilities=["SHIP"]), location("sb", capabilities=["SHIP"]))
    await api.gql('mutation { upsertItems(input: [{sku: "A", category: "c"}, {sku: "B", category: "c"}]) { count } }')
    await sync(api, "SNAPSHOT", update("A", "sa", 10), update("B", "sb", 10))
    ids = {}
    for key, lines in (("a", [("A", 1)]), ("b", [("B", 1)]), ("ab", [("A", 1), ("B", 1)])):
        placed = (await api.gql(PLACE, {"input": order_input(key=key, lines=lines)}))["placeOrder"]
        assert placed["userErrors"] == [], placed
        ids[key] = placed["order"]["id"]
    return ids


def locations_of(order: dict[str, Any]) -> list[str]:
    return sorted(f["location"]["id"] for f in order["fulfillments"])


async def test_an_associate_sees_only_orders_and_fulfillments_of_their_store(api: Api) -> None:
    ids = await two_stores(api)
    associate = await token_for(api.server, Role.STORE_ASSOCIATE, locations={"sa"})
    listed = (await api.gql(ORDERS, token=associate))["orders"]["edges"]
    assert sorted(e["node"]["id"] for e in listed) == sorted([ids["a"], ids["ab"]])
    assert all(locations_of(e["node"]) == ["sa"] for e in listed)  # the split order shows only sa's part
    assert (await api.gql(ORDER, {"id": ids["b"]}, token=associate))["order"] is None
    assert locations_of((await api.gql(ORDER, {"id": ids["ab"]}, token=associate))["order"]) == ["sa"]
    reps = {"reps": [{"__typename": "Order", "id": ids["b"]}, {"__typename": "Order", "id": ids["a"]}]}
    assert (await api.gql(ENTITIES, reps, token=associate))["_entities"] == [None, {"id": ids["a"]}]
    assert locations_of((await api.gql(ORDER, {"id": ids["ab"]}))["order"]) == ["sa", "sb"]  # admin: everything


async def test_an_associate_sees_only_their_part_of_a_split_orders_plan(api: Api) -> None:
    ids = await two_stores(api)
    associate = await token_for(api.server, Role.STORE_ASSOCIATE, locations={"sa"})
    query = """query($id: ID!) { order(id: $id) { plan {
        allocations { location { id } sku } candidates { location { id } } explanation } } }"""
    full = (await api.gql(query, {"id": ids["ab"]}))["order"]["plan"]
    assert {a["location"]["id"] for a in full["allocations"]} == {"sa", "sb"}
    assert any("sb" in line for line in full["explanation"])
    part = (await api.gql(query, {"id": ids["ab"]}, token=associate))["order"]["plan"]
    assert part["allocations"] == [{"location": {"id": "sa"}, "sku": "A"}]
    assert {c["location"]["id"] for c in part["candidates"]} == {"sa"}
    assert part["explanation"] and not any("sb" in line for line in part["explanation"])
    events = "query($id: ID!) { order(id: $id) { events { type message } } }"
    created = (await api.gql(events, {"id": ids["ab"]}))["order"]["events"][0]
    assert created["type"] == "order.created" and "sb" in created["message"]
    seen = (await api.gql(events, {"id": ids["ab"]}, token=associate))["order"]["events"][0]
    assert seen == {"type": "order.created", "message": None}
    own = (await api.gql(events, {"id": ids["a"]}, token=associate))["order"]["events"][0]
    assert own["message"] == created["message"].replace("sa, sb", "sa").replace("2 shipments", "1 shipment")


async def test_tasks_are_scoped_by_location_in_lists_filters_commands_and_nested_orders(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    ids = await two_stores(api)
    async with api.server.resources.uow() as uow:
        at_a = await task_log.open_task(uow, "RETURN_QC", order_id=ids["ab"], location_id="sa")
        at_b = await task_log.open_task(uow, "RETURN_QC", order_id=ids["b"], location_id="sb")
        await task_log.open_task(uow, "FRAUD_REVIEW", order_id=ids["b"])  # owned by no store
    associate = await token_for(api.server, Role.STORE_ASSOCIATE, locations={"sa"})
    mine = (await api.gql(TASKS, token=associate))["tasks"]["edges"]
    assert [(e["node"]["id"], e["node"]["order"]["id"]) for e in mine] == [(at_a.id, ids["ab"])]
    with caplog.at_level(logging.INFO, logger="oms.access"):
        other = await api.raw(TASKS, {"loc": "sb"}, token=associate)
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    audit = [r for r in caplog.records if r.name == "oms.access"]
    assert [(r.getMessage(), r.operation, r.code) for r in audit] == [("access denied", "Query.tasks", "FORBIDDEN")]  # type: ignore[attr-defined]
    assert audit[0].subject.startswith("token:")  # type: ignore[attr-defined]
    refused = await api.raw(CLAIM, {"id": at_b.id}, token=associate)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    claimed = (await api.gql(CLAIM, {"id": at_a.id}, token=associate))["claimTask"]
    assert claimed == {"task": {"id": at_a.id, "status": "CLAIMED"}, "userErrors": []}
    assert len((await api.gql(TASKS))["tasks"]["edges"]) == 3  # admin


async def test_subscriptions_deliver_only_events_of_the_callers_store(api: Api) -> None:
    await two_stores(api)
    associate = await token_for(api.server, Role.STORE_ASSOCIATE, locations={"sa"})
    async with subscriptions(api.server, token=associate) as ws:
        await ws.subscribe("subscription { taskEvents { locationId taskType } }")
        await ws.subscribe("subscription { orderStatusChanged { orderId type } }")
        await asyncio.sleep(0.3)  # both listening before anything happens
        async with api.server.resources.uow() as uow:
            await task_log.open_task(uow, "RETURN_QC", location_id="sb")
            await task_log.open_task(uow, "RETURN_QC", location_id="sa")
        placed_b = (await api.gql(PLACE, {"input": order_input(key="b2", lines=[("B", 1)])}))["placeOrder"]
        placed_a = (await api.gql(PLACE, {"input": order_input(key="a2", lines=[("A", 1)])}))["placeOrder"]
        got = [(await ws.next_data())["data"] for _ in range(2)]
        assert {"taskEvents": {"locationId": "sa", "taskType": "RETURN_QC"}} in got
        assert {"orderStatusChanged": {"orderId": placed_a["order"]["id"], "type": "order.created"}} in got
        assert placed_b["order"]["id"] not in str(got)
        try:
            extra = await ws.receive(wait=0.5)
        except TimeoutError:
            extra = None
        assert extra is None, extra


async def test_a_location_bound_feed_syncs_only_its_own_stores(api: Api) -> None:
    await two_stores(api)
    pos = await token_for(api.server, Role.INTEGRATION, locations={"sa"}, scopes={"inventory:write"})
    query = "mutation($i: InventorySyncInput!) { syncInventory(input: $i) { applied userErrors { code } } }"
    own = {"source": "pos", "mode": "DELTA", "updates": [update("A", "sa", 1, eventId="e1")]}
    assert (await api.gql(query, {"i": own}, token=pos))["syncInventory"] == {"applied": 1, "userErrors": []}
    mixed = {"source": "pos", "mode": "DELTA", "updates": [update("A", "sa", 1, eventId="e2"), update("B", "sb", 5)]}
    assert (await api.raw(query, {"i": mixed}, token=pos))["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_storefront_token_places_orders_only_in_its_channels(api: Api) -> None:
    await two_stores(api)
    web = await token_for(api.server, Role.STOREFRONT, channels={"web"})
    placed = (await api.gql(PLACE, {"input": order_input(key="sf", lines=[("A", 1)])}, token=web))["placeOrder"]
    assert placed["userErrors"] == []
    assert (await api.gql(ORDER, {"id": placed["order"]["id"]}, token=web))["order"]["id"] == placed["order"]["id"]
    elsewhere = await api.raw(PLACE, {"input": order_input(key="sf2", channel="app")}, token=web)
    assert elsewhere["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await api.raw(ORDERS, token=web))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = await api.raw(PLACE, {"input": order_input(key="sf3")}, token=None)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_revoked_and_expired_tokens_are_refused_with_401(api: Api) -> None:
    agent = await tokens.create_token(api.server.resources.uow(), grant=TokenGrant(Role.AGENT, "test"))
    assert (await api.post(ORDERS, token=agent.token)).status_code == 200
    assert await tokens.revoke_token(api.server.resources.uow(), token_id=agent.id)
    assert (await api.post(ORDERS, token=agent.token)).status_code == 401
    expired = await token_for(api.server, Role.AGENT, expires_at=utc_now() - timedelta(seconds=1))
    assert (await api.post(ORDERS, token=expired)).status_code == 401
    assert (await api.post(ORDERS, token=agent.token + "x")).status_code == 401


async def test_recommendations_for_an_order_are_read_like_the_order(api: Api) -> None:
    ids = await two_stores(api)
    associate = await token_for(api.server, Role.STORE_ASSOCIATE, locations={"sa"})
    query = """query($id: ID!) { recommendations(input: {skus: [], channel: "web", market: "US",
        context: ORDER_CONFIRMATION, orderId: $id}) { sku } }"""
    assert isinstance((await api.gql(query, {"id": ids["a"]}, token=associate))["recommendations"], list)
    for order_id in (ids["b"], "unknown"):
        refused = await api.raw(query, {"id": order_id}, token=associate)
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await api.raw(query, {"id": ids["a"]}, token=None))["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_anyone_holding_an_order_id_may_follow_that_order_and_only_staff_every_order(api: Api) -> None:
    ids = await two_stores(api)
    follow = "subscription($id: ID) { orderStatusChanged(orderId: $id) { orderId type status } }"
    async with subscriptions(api.server, token=None) as ws:
        await ws.subscribe(follow, {"id": ids["a"]})
        await ws.subscribe(follow, {"id": None})
        refused = await ws.receive()  # a refusal is a result with errors, then the end of that stream
        assert (refused["id"], refused["type"]) == ("2", "next") and "UNAUTHENTICATED" in str(refused["payload"])
        assert (await ws.receive())["type"] == "complete"
        await asyncio.sleep(0.3)
        await api.gql(CANCEL, {"id": ids["b"]})
        await api.gql(CANCEL, {"id": ids["a"]})
        event = (await ws.next_data())["data"]["orderStatusChanged"]
        assert event == {"orderId": ids["a"], "type": "order.status_changed", "status": "CANCELLED"}


async def test_revoking_a_token_ends_the_subscriptions_it_opened(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from resolvers import access

    monkeypatch.setattr(access, "TOKEN_RECHECK_SECONDS", 0.0)  # check at every event (10 s in service)
    ids = await two_stores(api)
    manager = await tokens.create_token(
        api.server.resources.uow(), grant=TokenGrant(Role.STORE_MANAGER, "test", locations=frozenset({"sa"}))
    )
    follow = "subscription { orderStatusChanged { orderId status } }"
    async with subscriptions(api.server, token=manager.token) as ws:
        await ws.subscribe(follow)
        await asyncio.sleep(0.3)
        await api.gql(CANCEL, {"id": ids["a"]})
        assert (await ws.next_data())["data"]["orderStatusChanged"]["orderId"] == ids["a"]
        assert await tokens.revoke_token(api.server.resources.uow(), token_id=manager.id)
        await api.gql(CANCEL, {"id": ids["ab"]})
        ended = await ws.receive()
        assert ended["type"] == "next" and "UNAUTHENTICATED" in str(ended["payload"]["errors"])
        assert (await ws.receive())["type"] == "complete"
