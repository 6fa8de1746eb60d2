"""Promises from a postal code alone: US ZIPs shipped offline, other countries through importPostalCodes."""

from __future__ import annotations

from typing import Any

import pytest

from app.services import postal
from domain.access import Role
from domain.postal import PostalCode
from tests.api.network import location, sync, update, upsert_locations
from tests.api.principals import token_for
from tests.harness import Api

OPTIONS = """
query($input: FulfillmentOptionsInput!) {
  fulfillmentOptions(input: $input) {
    method location { id } available
    plan { allocations { location { id } sku quantity } }
  }
}"""
IMPORT = """
mutation($input: [PostalCodeInput!]!) {
  importPostalCodes(input: $input) { count userErrors { field message code } }
}"""
PREVIEW = "query($input: PlaceOrderInput!) { sourcingPreview(input: $input) { allocations { location { id } } } }"
MANHATTAN_ZIP = {"postalCode": "10001", "country": "US"}
BERLIN = {"country": "DE", "postalCode": "10115", "lat": 52.532, "lon": 13.3849}
# Ids sort the far store first: without coordinates, stores are taken in id order.
ATLANTA = location("a-atlanta", geo={"lat": 33.749, "lon": -84.388}, turnaroundHours=2)
MANHATTAN = location("m-manhattan", geo={"lat": 40.7506, "lon": -73.9935}, turnaroundHours=2)


async def us_network(api: Api) -> None:
    await upsert_locations(api, ATLANTA, MANHATTAN)
    await api.gql('mutation { upsertItems(input: [{sku: "A", category: "c"}]) { count } }')
    await sync(api, "SNAPSHOT", update("A", "a-atlanta", 5), update("A", "m-manhattan", 5))


async def options(api: Api, destination: dict[str, Any] | None, market: str = "US") -> list[dict[str, Any]]:
    payload = {"channel": "web", "market": market, "lines": [{"sku": "A", "quantity": 1}], "destination": destination}
    return list((await api.gql(OPTIONS, {"input": payload}, token=None))["fulfillmentOptions"])


def first_pickup_and_ship_source(found: list[dict[str, Any]]) -> tuple[str, str]:
    pickup = next(o for o in found if o["method"] == "PICKUP")
    ship = next(o for o in found if o["method"] == "SHIP")
    return pickup["location"]["id"], ship["plan"]["allocations"][0]["location"]["id"]


async def test_a_manhattan_zip_picks_up_and_ships_from_manhattan_not_atlanta(api: Api) -> None:
    await us_network(api)
    assert first_pickup_and_ship_source(await options(api, None)) == ("a-atlanta", "a-atlanta")
    near = ("m-manhattan", "m-manhattan")
    assert first_pickup_and_ship_source(await options(api, MANHATTAN_ZIP)) == near
    assert first_pickup_and_ship_source(await options(api, {"postalCode": " 10001-1234 ", "country": "us"})) == near


async def test_geo_wins_over_the_postal_code(api: Api) -> None:
    await us_network(api)
    found = await options(api, MANHATTAN_ZIP | {"geo": {"lat": 33.75, "lon": -84.39}})
    assert first_pickup_and_ship_source(found) == ("a-atlanta", "a-atlanta")


async def test_an_imported_code_of_another_country_resolves(api: Api) -> None:
    await upsert_locations(
        api,
        location("a-munich", markets=["DE"], geo={"lat": 48.137, "lon": 11.575}),
        location("b-berlin", markets=["DE"], geo={"lat": 52.52, "lon": 13.405}),
    )
    await api.gql('mutation { upsertItems(input: [{sku: "A", category: "c"}]) { count } }')
    await sync(api, "SNAPSHOT", update("A", "a-munich", 5), update("A", "b-berlin", 5))
    unknown = await api.raw(
        OPTIONS,
        {
            "input": {
                "channel": "web",
                "market": "DE",
                "lines": [{"sku": "A", "quantity": 1}],
                "destination": {"postalCode": "10115", "country": "DE"},
            }
        },
    )
    assert unknown["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert (await api.gql(IMPORT, {"input": [BERLIN]}))["importPostalCodes"] == {"count": 1, "userErrors": []}
    found = await options(api, {"postalCode": "10115", "country": "DE"}, market="DE")
    assert first_pickup_and_ship_source(found) == ("b-berlin", "b-berlin")


async def test_an_imported_us_code_overrides_the_shipped_one(api: Api) -> None:
    await us_network(api)
    atlanta_centre = {"country": "US", "postalCode": "10001", "lat": 33.75, "lon": -84.39}
    assert (await api.gql(IMPORT, {"input": [atlanta_centre]}))["importPostalCodes"]["count"] == 1
    assert first_pickup_and_ship_source(await options(api, MANHATTAN_ZIP)) == ("a-atlanta", "a-atlanta")


async def test_sourcing_preview_resolves_a_postal_code(api: Api) -> None:
    await us_network(api)
    order = {
        "idempotencyKey": "p1",
        "channel": "web",
        "market": "US",
        "customer": {"id": "c1"},
        "lines": [{"sku": "A", "quantity": 1, "unitPrice": 1.0}],
        "delivery": {"method": "SHIP", "destination": MANHATTAN_ZIP},
    }
    plan = (await api.gql(PREVIEW, {"input": order}))["sourcingPreview"]
    assert plan["allocations"][0]["location"]["id"] == "m-manhattan"
    order["delivery"] = {"method": "SHIP", "destination": {"postalCode": "00000", "country": "US"}}
    body = await api.raw(PREVIEW, {"input": order})
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST" and "'00000'" in body["errors"][0]["message"]


UNKNOWN_DESTINATION = '{postalCode: "00000", country: "US"}'
QUERIES = {
    "fulfillmentOptions": f"""{{ fulfillmentOptions(input: {{channel: "web", market: "US",
        lines: [{{sku: "A", quantity: 1}}], destination: {UNKNOWN_DESTINATION}}}) {{ method }} }}""",
    "recommendations": f"""{{ recommendations(input: {{skus: ["A"], channel: "web", market: "US", context: PDP,
        destination: {UNKNOWN_DESTINATION}}}) {{ sku }} }}""",
    "Product.fulfillmentOptions": f"""{{ _entities(representations: [{{__typename: "Product", sku: "A"}}]) {{
        ... on Product {{ fulfillmentOptions(channel: "web", market: "US", destination: {UNKNOWN_DESTINATION})
        {{ method }} }} }} }}""",
    "Product.recommendations": f"""{{ _entities(representations: [{{__typename: "Product", sku: "A"}}]) {{
        ... on Product {{ recommendations(channel: "web", market: "US", destination: {UNKNOWN_DESTINATION})
        {{ sku }} }} }} }}""",
}


@pytest.mark.parametrize("field", sorted(QUERIES))
async def test_an_unknown_code_is_a_bad_request_naming_it(api: Api, field: str) -> None:
    await us_network(api)
    before = await options(api, None)
    body = await api.raw(QUERIES[field], token=None)
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert error["message"] == "Unknown postal code '00000' in US"
    assert await options(api, None) == before


async def test_a_postal_code_without_its_country_is_a_bad_request(api: Api) -> None:
    await us_network(api)
    payload = {"channel": "web", "market": "US", "lines": [{"sku": "A", "quantity": 1}]}
    body = await api.raw(OPTIONS, {"input": payload | {"destination": {"postalCode": "10001"}}}, token=None)
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST" and "country" in body["errors"][0]["message"]


async def test_a_page_of_products_with_one_postal_destination_looks_it_up_once(api: Api) -> None:
    await us_network(api)
    skus = [f"P{i:02d}" for i in range(24)]
    items = ", ".join(f'{{sku: "{s}", category: "c"}}' for s in skus)
    await api.gql(f"mutation {{ upsertItems(input: [{items}]) {{ count }} }}")
    await sync(api, "SNAPSHOT", *[update(s, "m-manhattan", 1) for s in skus])
    query = """query($reps: [_Any!]!, $d: DestinationInput) { _entities(representations: $reps) { ... on Product {
        fulfillmentOptions(channel: "web", market: "US", destination: $d) { method location { id } } } } }"""
    reps = [{"__typename": "Product", "sku": s} for s in skus]
    geo = {"geo": {"lat": 40.7484, "lon": -73.9967}}
    await api.counted(query, {"reps": reps, "d": geo}, token=None)  # warm the replica's caches
    by_geo, geo_statements = await api.counted(query, {"reps": reps, "d": geo}, token=None)
    by_zip, zip_statements = await api.counted(query, {"reps": reps, "d": MANHATTAN_ZIP}, token=None)
    assert by_zip == by_geo
    assert zip_statements == geo_statements + 1, (geo_statements, zip_statements)


async def test_one_bad_row_and_nothing_is_imported(api: Api) -> None:
    rows = [
        BERLIN,
        BERLIN | {"postalCode": "20095", "lat": 91.0},
        BERLIN | {"postalCode": "80331", "country": "DEU"},
        BERLIN | {"postalCode": "?!"},
    ]
    payload = (await api.gql(IMPORT, {"input": rows}))["importPostalCodes"]
    assert payload["count"] == 0
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "1", "lat"], "INVALID"),
        (["input", "2", "country"], "INVALID"),
        (["input", "3", "postalCode"], "INVALID"),
    ]
    body = await api.raw(
        OPTIONS,
        {
            "input": {
                "channel": "web",
                "market": "DE",
                "lines": [{"sku": "A", "quantity": 1}],
                "destination": {"postalCode": "10115", "country": "DE"},
            }
        },
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST", "the good row was not saved either"


async def test_more_than_ten_thousand_rows_is_one_user_error(api: Api) -> None:
    # Through GraphQL the cost limit (each input row multiplies the payload's cost) refuses such a call first
    # unless an operator raises OMS_MAX_COST: the service's own limit is checked directly.
    rows = [PostalCode("DE", str(10000 + i), 52.5, 13.4) for i in range(10_001)]
    count, errors = await postal.import_postal_codes(api.server.resources, rows)
    assert count == 0 and [(e.code, e.field) for e in errors] == [("INVALID", ("input",))]
    count, errors = await postal.import_postal_codes(api.server.resources, rows[:10_000])
    assert (count, errors) == (10_000, [])


async def test_a_storefront_may_not_import_postal_codes(api: Api) -> None:
    storefront = await token_for(api.server, Role.STOREFRONT, channels={"web"})
    body = await api.raw(IMPORT, {"input": [BERLIN]}, token=storefront)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    catalog_writer = await token_for(api.server, Role.INTEGRATION, scopes={"catalog:write"})
    assert (await api.gql(IMPORT, {"input": [BERLIN]}, token=catalog_writer))["importPostalCodes"]["count"] == 1
