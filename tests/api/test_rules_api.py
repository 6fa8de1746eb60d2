"""Availability rules through the API: the contract's worked cases, precedence, explanations."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.api.network import availability, basic_network, location, sync, update, upsert_locations
from tests.backends import Backend, settings_for
from tests.harness import Api, serve, subscriptions

UPSERT = """
mutation($input: AvailabilityRuleInput!) {
  upsertAvailabilityRule(input: $input) {
    rule { id channel market locationType locationId category sku safetyStock bufferPercent maxExposed exclude }
    userErrors { field message code }
  }
}"""
DELETE = "mutation($id: ID!) { deleteAvailabilityRule(id: $id) { deletedId userErrors { field code } } }"


async def rule(api: Api, **fields: Any) -> str:
    data = await api.gql(UPSERT, {"input": fields})
    assert data["upsertAvailabilityRule"]["userErrors"] == [], data
    return str(data["upsertAvailabilityRule"]["rule"]["id"])


def at(found: dict[str, Any], location_id: str) -> dict[str, Any]:
    return next(x for x in found["locations"] if x["location"]["id"] == location_id)


async def test_drop_ship_vendor_stock_with_a_20_percent_buffer(api: Api) -> None:
    await basic_network(api)
    await upsert_locations(api, location("dsv", type="DROP_SHIP_VENDOR", capabilities=["SHIP"]))
    await sync(api, "SNAPSHOT", update("A", "dsv", 50), update("A", "us-1", 5))
    rule_id = await rule(api, locationType="DROP_SHIP_VENDOR", bufferPercent=20)
    found = (await availability(api, ["A"]))[0]
    assert (at(found, "dsv")["atp"], at(found, "dsv")["held"], at(found, "dsv")["appliedRules"]) == (40, 10, [rule_id])
    assert (at(found, "us-1")["atp"], at(found, "us-1")["appliedRules"]) == (5, [])
    assert found["atp"] == 45


async def test_a_marketplace_channel_capped_at_5_units_per_location(api: Api) -> None:
    await basic_network(api)
    await sync(api, "SNAPSHOT", update("A", "us-1", 30), update("A", "us-2", 3))
    await rule(api, channel="marketplace", maxExposed=5)
    marketplace = (await availability(api, ["A"], channel="marketplace"))[0]
    web = (await availability(api, ["A"], channel="web"))[0]
    assert (marketplace["atp"], web["atp"]) == (8, 33)


async def test_a_category_sold_in_a_new_market_only(api: Api) -> None:
    await basic_network(api)
    await sync(api, "SNAPSHOT", update("A", "ca-1", 4), update("B", "ca-1", 6))
    closed = await rule(api, market="CA", exclude=True)
    shoes = await rule(api, market="CA", category="shoes", exclude=False)
    a, b = await availability(api, ["A", "B"], market="CA")
    assert (a["atp"], at(a, "ca-1")["appliedRules"]) == (4, [shoes])
    assert (b["atp"], at(b, "ca-1")["appliedRules"]) == (0, [closed])


async def test_one_stores_display_stock_held_back_for_one_sku(api: Api) -> None:
    await basic_network(api)
    await sync(api, "SNAPSHOT", update("A", "us-1", 3), update("A", "us-2", 3), update("B", "us-1", 3))
    await rule(api, locationId="us-1", sku="A", safetyStock=1)
    a, b = await availability(api, ["A", "B"])
    assert (at(a, "us-1")["atp"], at(a, "us-2")["atp"], at(b, "us-1")["atp"]) == (2, 3, 3)


async def test_upsert_with_an_id_replaces_and_delete_removes(api: Api) -> None:
    await basic_network(api)
    await sync(api, "SNAPSHOT", update("A", "us-1", 10))
    await rule(api, id="hold", sku="A", safetyStock=2)
    await rule(api, id="hold", sku="A", safetyStock=6)
    assert (await availability(api, ["A"]))[0]["atp"] == 4
    listed = await api.gql("{ availabilityRules { id safetyStock } }")
    assert listed["availabilityRules"] == [{"id": "hold", "safetyStock": 6}]
    deleted = await api.gql(DELETE, {"id": "hold"})
    assert deleted["deleteAvailabilityRule"] == {"deletedId": "hold", "userErrors": []}
    assert (await availability(api, ["A"]))[0]["atp"] == 10
    again = await api.gql(DELETE, {"id": "hold"})
    assert again["deleteAvailabilityRule"]["userErrors"] == [{"field": ["id"], "code": "NOT_FOUND"}]


async def test_bad_rules_are_refused_and_change_nothing(api: Api) -> None:
    await basic_network(api)
    for bad in ({"sku": "A"}, {"bufferPercent": 150}, {"locationId": "nowhere", "safetyStock": 1}):
        data = await api.gql(UPSERT, {"input": bad})
        assert data["upsertAvailabilityRule"]["rule"] is None
        assert data["upsertAvailabilityRule"]["userErrors"][0]["code"] == "INVALID"
    assert (await api.gql("{ availabilityRules { id } }"))["availabilityRules"] == []


async def test_rules_need_staff(api: Api) -> None:
    body = await api.raw(UPSERT, {"input": {"safetyStock": 1}}, token=None)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_rule_change_pushes_the_new_availability_once(api: Api) -> None:
    await basic_network(api)
    await sync(api, "SNAPSHOT", update("A", "us-1", 10), update("B", "us-1", 10))
    query = 'subscription { availabilityChanged(skus: ["A", "B"], channel: "web", market: "US") { sku atp } }'
    async with subscriptions(api.server) as ws:
        await ws.subscribe(query)
        await asyncio.sleep(0.2)
        await rule(api, category="hats", safetyStock=4)  # B is a hat: only B moves
        assert (await ws.next_data())["data"]["availabilityChanged"] == {"sku": "B", "atp": 6}
        await rule(api, sku="A", safetyStock=1)
        assert (await ws.next_data())["data"]["availabilityChanged"] == {"sku": "A", "atp": 9}


async def test_a_change_through_one_replica_is_seen_by_the_next_read_on_another(api: Api, backend: Backend) -> None:
    await basic_network(api)
    await sync(api, "SNAPSHOT", update("A", "us-1", 10), update("A", "us-2", 10))
    async with serve(settings_for(backend)) as replica, httpx.AsyncClient(base_url=replica.base_url) as client:
        other = Api(replica, client)
        assert (await availability(other, ["A"]))[0]["atp"] == 20  # warms the other replica's cache
        await rule(api, sku="A", safetyStock=3)
        assert (await availability(other, ["A"]))[0]["atp"] == 14
        await upsert_locations(api, location("us-2", type="HUB_STORE", active=False))
        assert (await availability(other, ["A"]))[0]["atp"] == 7
