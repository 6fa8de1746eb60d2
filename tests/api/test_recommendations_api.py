"""Same-location recommendations through the API: PDP, confirmation, email, learned pairs, rules, batching."""

from __future__ import annotations

from typing import Any

from tests.api.network import location, sync, update, upsert_locations
from tests.api.test_orders_api import PLACE, order_input
from tests.harness import Api

RELATIONS = """mutation($input: [ProductRelationInput!]!) {
  upsertProductRelations(input: $input) { count userErrors { field code message } } }"""
RECOMMEND = """query($input: RecommendationsInput!) { recommendations(input: $input) {
  sku method atp score reason kind fulfillmentId location { id } product { sku } } }"""
HOME = {"lat": 40.71, "lon": -74.0}


async def network(api: Api) -> None:
    await upsert_locations(
        api,
        location("downtown", name="Downtown store", geo={"lat": 40.72, "lon": -74.0}, capabilities=["PICKUP", "SHIP"]),
        location("uptown", name="Uptown store", geo={"lat": 40.80, "lon": -73.95}, capabilities=["PICKUP", "SHIP"]),
    )
    items = [{"sku": s, "category": "hats" if s == "H" else "shoes"} for s in ("A", "B", "C", "D", "H")]
    await api.gql("mutation($i: [ItemInput!]!) { upsertItems(input: $i) { count } }", {"i": items})
    relations = [
        {"sku": "A", "relatedSku": "B", "kind": "ACCESSORY", "weight": 2.0},
        {"sku": "A", "relatedSku": "C", "kind": "SIMILAR", "weight": 1.0},
        {"sku": "A", "relatedSku": "H", "kind": "ACCESSORY", "weight": 3.0},
    ]
    assert (await api.gql(RELATIONS, {"input": relations}))["upsertProductRelations"]["count"] == 3


async def recommend(api: Api, **fields: Any) -> list[dict[str, Any]]:
    payload = {"skus": ["A"], "channel": "web", "market": "US", "context": "PDP"} | fields
    return list((await api.gql(RECOMMEND, {"input": payload}))["recommendations"])


async def test_pdp_with_a_pickup_store_recommends_only_what_that_store_has(api: Api) -> None:
    await network(api)
    await sync(api, "SNAPSHOT", update("A", "downtown", 3), update("B", "downtown", 4), update("C", "uptown", 9))
    found = await recommend(api, pickupLocationId="downtown")
    assert [(r["sku"], r["method"], r["location"]["id"], r["kind"]) for r in found] == [
        ("B", "PICKUP", "downtown", "ACCESSORY")
    ]
    assert found[0]["reason"] == "Goes with A (accessory). In stock at Downtown store: pick it up with your order."
    assert found[0]["product"] == {"sku": "B"}


async def test_pdp_with_a_destination_uses_the_location_sourcing_would_ship_from(api: Api) -> None:
    await network(api)
    await sync(api, "SNAPSHOT", update("A", "uptown", 3), update("B", "downtown", 4), update("C", "uptown", 1))
    found = await recommend(api, destination={"geo": HOME})
    assert [(r["sku"], r["method"], r["location"]["id"]) for r in found] == [("C", "SHIP", "uptown")]
    assert "Ships in the same parcel from Uptown store." in found[0]["reason"]


async def test_excluded_categories_are_never_recommended(api: Api) -> None:
    await network(api)
    await sync(api, "SNAPSHOT", update("A", "downtown", 3), update("H", "downtown", 9), update("B", "downtown", 1))
    assert [r["sku"] for r in await recommend(api, pickupLocationId="downtown")] == ["H", "B"]
    rule = 'mutation { upsertAvailabilityRule(input: {market: "US", category: "hats", exclude: true}) { rule { id } } }'
    await api.gql(rule)
    assert [r["sku"] for r in await recommend(api, pickupLocationId="downtown")] == ["B"]


async def test_pairs_learned_from_orders_are_recommended(api: Api) -> None:
    await network(api)
    await sync(api, "SNAPSHOT", update("A", "downtown", 50), update("D", "downtown", 50), update("B", "uptown", 50))
    for n in range(3):
        await api.gql(PLACE, {"input": order_input(key=f"ad{n}", lines=[("A", 1), ("D", 1)])})
    await api.gql(PLACE, {"input": order_input(key="b", lines=[("B", 1)])})
    await api.server.resources.sales.flush()  # counts are written once a second; flush now
    found = await recommend(api, pickupLocationId="downtown")
    assert [(r["sku"], r["kind"]) for r in found] == [("D", None)]
    assert found[0]["reason"].startswith("Often bought together with A.")


async def test_order_confirmation_recommends_items_joining_its_fulfillments(api: Api) -> None:
    await network(api)
    await sync(api, "SNAPSHOT", update("A", "downtown", 3), update("B", "downtown", 4), update("C", "downtown", 4))
    order = (await api.gql(PLACE, {"input": order_input(lines=[("A", 1), ("C", 1)])}))["placeOrder"]["order"]
    query = """query($id: ID!) { order(id: $id) { recommendations(limit: 3) { sku fulfillmentId location { id } } } }"""
    found = (await api.gql(query, {"id": order["id"]}))["order"]["recommendations"]
    assert found == [{"sku": "B", "fulfillmentId": order["fulfillments"][0]["id"], "location": {"id": "downtown"}}]
    email = await recommend(api, skus=[], context="EMAIL", orderId=order["id"])
    assert [r["sku"] for r in email] == ["B"]


async def test_a_plp_of_24_products_costs_a_constant_number_of_statements(api: Api) -> None:
    await network(api)
    skus = [f"P{n:02d}" for n in range(24)]
    await api.gql(
        "mutation($i: [ItemInput!]!) { upsertItems(input: $i) { count } }",
        {"i": [{"sku": s, "category": "shoes"} for s in skus]},
    )
    await api.gql(RELATIONS, {"input": [{"sku": s, "relatedSku": "B", "kind": "ACCESSORY"} for s in skus]})
    await sync(api, "SNAPSHOT", *[update(s, "downtown", 2) for s in skus], update("B", "downtown", 5))
    query = """query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Product {
        sku recommendations(channel: "web", market: "US", destination: {geo: {lat: 40.71, lon: -74.0}}) { sku } } } }"""
    costs = []
    for count in (1, 24):
        reps = [{"__typename": "Product", "sku": s} for s in skus[:count]]
        await api.gql(query, {"reps": reps}, token=None)  # warm this replica's reference cache
        data, cost = await api.counted(query, {"reps": reps}, token=None)
        found = data["_entities"]
        costs.append(cost)
        assert all(p["recommendations"] == [{"sku": "B"}] for p in found)
    assert costs[0] == costs[1] <= 5


async def test_bad_relations_and_requests_are_refused(api: Api) -> None:
    await network(api)
    bad = [{"sku": "A", "relatedSku": "A", "kind": "SIMILAR"}, {"sku": "A", "relatedSku": "B", "kind": " "}]
    result = (await api.gql(RELATIONS, {"input": bad}))["upsertProductRelations"]
    assert result["count"] == 0 and [e["field"] for e in result["userErrors"]] == [
        ["input", "0", "relatedSku"],
        ["input", "1", "kind"],
    ]
    body = await api.raw(RECOMMEND, {"input": {"skus": ["A"], "channel": "web", "market": "US", "context": "EMAIL"}})
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
