"""Locations and items through the public API."""

from __future__ import annotations

from tests.api.network import UPSERT_ITEMS, UPSERT_LOCATIONS, location, upsert_locations
from tests.harness import Api

LOCATION_QUERY = """
query($id: ID!) { location(id: $id) { id name type markets geo { lat lon } capabilities priority dailyCapacity
  turnaroundHours handlingCost active } }"""


async def test_upserted_location_reads_back_with_every_field(api: Api) -> None:
    loc = location("store-042", priority=20, dailyCapacity=80, turnaroundHours=2.5, handlingCost=4.25, type="HUB_STORE")
    result = await upsert_locations(api, loc)
    assert result["userErrors"] == []
    data = await api.gql(LOCATION_QUERY, {"id": "store-042"}, token=None)
    assert data["location"] == {
        "id": "store-042",
        "name": "Location store-042",
        "type": "HUB_STORE",
        "markets": ["US"],
        "geo": {"lat": 40.7, "lon": -74.0},
        "capabilities": ["PICKUP", "SHIP"],
        "priority": 20,
        "dailyCapacity": 80,
        "turnaroundHours": 2.5,
        "handlingCost": 4.25,
        "active": True,
    }


async def test_upsert_updates_an_existing_location(api: Api) -> None:
    await upsert_locations(api, location("s1"))
    await upsert_locations(api, location("s1", name="Renamed", active=False))
    data = await api.gql(LOCATION_QUERY, {"id": "s1"})
    assert data["location"]["name"] == "Renamed"
    assert data["location"]["active"] is False


async def test_a_bad_location_fails_alone_with_its_index(api: Api) -> None:
    result = await upsert_locations(
        api, location("good"), location("bad", geo={"lat": 123.0, "lon": 0.0}), location("bad2", markets=[])
    )
    assert [x["id"] for x in result["locations"]] == ["good"]
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [
        (["input", "1", "geo"], "INVALID"),
        (["input", "2", "markets"], "INVALID"),
    ]
    assert (await api.gql(LOCATION_QUERY, {"id": "bad"}))["location"] is None


async def test_locations_filter_by_market_and_type(api: Api) -> None:
    await upsert_locations(api, location("u1"), location("c1", markets=["CA"]), location("w1", type="WAREHOUSE"))
    data = await api.gql('{ locations(market: "US", type: WAREHOUSE) { id } all: locations { id } }')
    assert data["locations"] == [{"id": "w1"}]
    assert [x["id"] for x in data["all"]] == ["c1", "u1", "w1"]


async def test_items_keep_barcodes_and_a_barcode_names_one_sku(api: Api) -> None:
    items = [
        {"sku": "A", "category": "shoes", "barcodes": ["111", "112"], "zone": "Z1"},
        {"sku": "B", "category": "hats"},
    ]
    data = await api.gql(UPSERT_ITEMS, {"input": items})
    assert data["upsertItems"] == {"count": 2, "userErrors": []}
    clash = await api.gql(UPSERT_ITEMS, {"input": [{"sku": "C", "category": "x", "barcodes": ["111"]}]})
    assert clash["upsertItems"]["count"] == 0
    assert clash["upsertItems"]["userErrors"][0]["field"] == ["input", "0", "barcodes"]
    read = await api.gql('{ items(skus: ["A", "C"]) { sku category barcodes zone } }')
    assert read["items"] == [{"sku": "A", "category": "shoes", "barcodes": ["111", "112"], "zone": "Z1"}]


async def test_reupserting_an_item_replaces_its_barcodes(api: Api) -> None:
    await api.gql(UPSERT_ITEMS, {"input": [{"sku": "A", "category": "shoes", "barcodes": ["111"]}]})
    await api.gql(UPSERT_ITEMS, {"input": [{"sku": "A", "category": "boots", "barcodes": ["222"]}]})
    moved = await api.gql(UPSERT_ITEMS, {"input": [{"sku": "B", "category": "x", "barcodes": ["111"]}]})
    assert moved["upsertItems"] == {"count": 1, "userErrors": []}
    read = await api.gql('{ items(skus: ["A"]) { category barcodes } }')
    assert read["items"] == [{"category": "boots", "barcodes": ["222"]}]


async def test_mutations_need_a_staff_token(api: Api) -> None:
    anonymous = await api.raw(UPSERT_LOCATIONS, {"input": [location("x")]}, token=None)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert anonymous["data"] is None
    assert (await api.gql(LOCATION_QUERY, {"id": "x"}))["location"] is None


async def test_an_unknown_token_is_refused_with_401(api: Api) -> None:
    response = await api.post("{ locations { id } }", token="not-a-token")
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert response.headers["x-request-id"]
