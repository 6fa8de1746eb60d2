"""fulfillmentOptions and Product.fulfillmentOptions: ship, pickup nearby, same day, the split trade-off."""

from __future__ import annotations

from typing import Any

from tests.api.network import location, sync, update, upsert_locations
from tests.harness import Api

OPTIONS = """
query($input: FulfillmentOptionsInput!) {
  fulfillmentOptions(input: $input) {
    method location { id } available splitCount readyBy etaHours
    plan { shipments allocations { location { id } sku quantity } unallocated { sku quantity } }
  }
}"""
HOME = {"lat": 40.71, "lon": -74.0}


async def network(api: Api) -> None:
    await upsert_locations(
        api,
        location("near", geo={"lat": 40.72, "lon": -74.0}, capabilities=["PICKUP", "SHIP"], turnaroundHours=2),
        location("near2", geo={"lat": 40.70, "lon": -74.02}, capabilities=["PICKUP", "SHIP"], turnaroundHours=2),
        location(
            "dark", type="DARK_STORE", geo={"lat": 40.68, "lon": -73.94}, capabilities=["SAME_DAY"], turnaroundHours=0.5
        ),
        location("wh", type="WAREHOUSE", geo={"lat": 32.75, "lon": -97.33}, capabilities=["SHIP"], turnaroundHours=24),
    )
    await api.gql(
        "mutation($i: [ItemInput!]!) { upsertItems(input: $i) { count } }",
        {"i": [{"sku": s, "category": "c"} for s in ("A", "B")]},
    )


async def options(api: Api, lines: list[tuple[str, int]], **extra: Any) -> list[dict[str, Any]]:
    payload = {"channel": "web", "market": "US", "lines": [{"sku": s, "quantity": q} for s, q in lines]}
    data = await api.gql(OPTIONS, {"input": payload | {"destination": {"geo": HOME}} | extra}, token=None)
    return list(data["fulfillmentOptions"])


def by_method(found: list[dict[str, Any]], method: str) -> list[dict[str, Any]]:
    return [o for o in found if o["method"] == method]


async def test_ship_pickup_and_same_day_for_a_cart(api: Api) -> None:
    await network(api)
    await sync(api, "SNAPSHOT", update("A", "near", 3), update("A", "dark", 2), update("A", "wh", 50))
    found = await options(api, [("A", 1)])
    ship = by_method(found, "SHIP")
    assert len(ship) == 1 and ship[0]["available"] and ship[0]["splitCount"] == 1 and ship[0]["etaHours"] >= 24
    pickups = by_method(found, "PICKUP")
    assert [(p["location"]["id"], p["available"]) for p in pickups] == [("near", True), ("near2", False)]
    assert pickups[0]["etaHours"] == 2.0 and pickups[0]["readyBy"]
    same_day = by_method(found, "SAME_DAY")
    assert same_day[0]["available"] and same_day[0]["location"]["id"] == "dark"
    assert same_day[0]["etaHours"] < 24


async def test_one_parcel_later_or_two_sooner(api: Api) -> None:
    await network(api)
    await sync(
        api, "SNAPSHOT", update("A", "near", 1), update("B", "near2", 1), update("A", "wh", 5), update("B", "wh", 5)
    )
    ship = by_method(await options(api, [("A", 1), ("B", 1)]), "SHIP")
    assert [(o["splitCount"], o["available"]) for o in ship] == [(1, True), (2, True)]
    single, split = ship
    assert split["etaHours"] < single["etaHours"]
    assert {a["location"]["id"] for a in split["plan"]["allocations"]} == {"near", "near2"}
    assert {a["location"]["id"] for a in single["plan"]["allocations"]} == {"wh"}


async def test_a_pickup_store_can_be_ready_once_inbound_stock_lands(api: Api) -> None:
    await network(api)
    eta = "2099-01-10T08:00:00+00:00"
    await sync(api, "SNAPSHOT", update("A", "near", 0, inbound=5, inboundEta=eta))
    pickup = by_method(await options(api, [("A", 2)], pickupLocationIds=["near"]), "PICKUP")
    assert pickup[0]["available"] and pickup[0]["readyBy"].startswith("2099-01-10T10:00:00")
    assert pickup[0]["plan"]["unallocated"] == [{"sku": "A", "quantity": 2}]


async def test_nothing_in_stock_is_unavailable_everywhere(api: Api) -> None:
    await network(api)
    found = await options(api, [("A", 1)])
    assert not any(o["available"] for o in found)


async def test_product_fulfillment_options_through_entities(api: Api) -> None:
    await network(api)
    await sync(api, "SNAPSHOT", update("A", "near", 3))
    query = """query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Product {
        sku fulfillmentOptions(channel: "web", market: "US", quantity: 2,
                               destination: {geo: {lat: 40.71, lon: -74.0}}) {
          method available location { id } } } } }"""
    found = (await api.gql(query, {"reps": [{"__typename": "Product", "sku": "A"}]}, token=None))["_entities"][0]
    assert {"method": "PICKUP", "available": True, "location": {"id": "near"}} in found["fulfillmentOptions"]
    assert by_method(found["fulfillmentOptions"], "SHIP")[0]["available"]


async def test_bad_carts_are_refused(api: Api) -> None:
    await network(api)
    body = await api.raw(OPTIONS, {"input": {"channel": "web", "market": "US", "lines": [{"sku": "A", "quantity": 0}]}})
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
