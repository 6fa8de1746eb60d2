"""Storefront journeys through Apollo Gateway and Hive Gateway, on the composed supergraph.

Each journey asks the gateway what a storefront page asks, checks the data
against each subgraph asked directly (names and prices from the catalog,
availability from us), and counts the SQL statements our subgraph ran for
the gateway request: a listing page costs the same whatever its size.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e.conftest import Stack
from tests.harness import ADMIN_TOKEN

GATEWAYS = ("apollo", "hive")
HOME = {"lat": 40.73, "lon": -73.99}  # Manhattan: the demo network has New York stores and a New Jersey DC

PLP = """
query PLP($first: Int!, $offset: Int!) {
  products(first: $first, offset: $offset) {
    total
    items { sku name price availability(channel: "web", market: "US") { atp } }
  }
}"""
CATALOG_NAMES = "query($skus: [String!]!) { catalogProducts(skus: $skus) { sku name price } }"
OMS_ATP = """
query($skus: [String!]!) { availability(skus: $skus, channel: "web", market: "US") { sku atp } }"""


async def catalog_names(stack: Stack, skus: list[str]) -> dict[str, tuple[str, float]]:
    found = (await stack.direct(stack.catalog_url, CATALOG_NAMES, {"skus": skus}))["catalogProducts"]
    return {p["sku"]: (p["name"], p["price"]) for p in found}


async def oms_atp(stack: Stack, skus: list[str]) -> dict[str, int]:
    found = (await stack.direct(stack.oms.base_url + "/graphql", OMS_ATP, {"skus": skus}))["availability"]
    return {a["sku"]: a["atp"] for a in found}


@pytest.mark.parametrize("gateway", GATEWAYS)
async def test_plp_lists_24_products_named_by_the_catalog_with_our_availability_in_constant_statements(
    stack: Stack, gateway: str
) -> None:
    await stack.through(gateway, PLP, {"first": 1, "offset": 0})  # warm: this replica caches locations and rules
    counts: dict[int, int] = {}
    for first in (8, 24, 48):
        data, counts[first] = await stack.through(gateway, PLP, {"first": first, "offset": 100})
        items = data["products"]["items"]
        assert len(items) == first
        skus = [p["sku"] for p in items]
        assert skus == [f"SKU-{n:05d}" for n in range(101, 101 + first)]
        names = await catalog_names(stack, skus)
        assert {p["sku"]: (p["name"], p["price"]) for p in items} == names
        atp = await oms_atp(stack, skus)
        assert {p["sku"]: p["availability"]["atp"] for p in items} == atp
        assert any(v > 0 for v in atp.values()), "the demo network stocks its popular SKUs"
    assert counts[24] >= 1, "our subgraph ran no statement under the gateway's request id: not forwarded?"
    assert counts[8] == counts[24] == counts[48], f"statements per page size: {counts}"
    assert counts[24] <= 2, counts


PDP = """
query PDP($sku: String!, $home: GeoInput!) {
  catalogProducts(skus: [$sku]) {
    sku name price
    availability(channel: "web", market: "US") {
      atp
      locations(onlyAvailable: true) { atp location { id name type } }
    }
    fulfillmentOptions(channel: "web", market: "US", destination: {geo: $home}) {
      method available splitCount etaHours location { id name }
    }
    recommendations(channel: "web", market: "US", destination: {geo: $home}, limit: 4) {
      sku reason method location { id name } product { name price }
    }
  }
}"""
PDP_DIRECT = """
query($sku: String!, $home: GeoInput!) {
  omsProduct(sku: $sku) {
    availability(channel: "web", market: "US") {
      atp
      locations(onlyAvailable: true) { atp location { id name type } }
    }
    fulfillmentOptions(channel: "web", market: "US", destination: {geo: $home}) {
      method available splitCount etaHours location { id name }
    }
    recommendations(channel: "web", market: "US", destination: {geo: $home}, limit: 4) {
      sku reason method location { id name }
    }
  }
}"""


@pytest.mark.parametrize("gateway", GATEWAYS)
async def test_pdp_shows_stock_by_store_fulfillment_options_and_recommendations_named_by_the_catalog(
    stack: Stack, gateway: str
) -> None:
    sku = "SKU-00007"
    variables = {"sku": sku, "home": HOME}
    data, statements = await stack.through(gateway, PDP, variables)
    (page,) = data["catalogProducts"]
    assert (page["name"], page["price"]) == (await catalog_names(stack, [sku]))[sku]
    ours = (await stack.direct(stack.oms.base_url + "/graphql", PDP_DIRECT, variables))["omsProduct"]
    assert page["availability"] == ours["availability"]
    assert {x["location"]["type"] for x in page["availability"]["locations"]} & {"STORE", "HUB_STORE"}
    assert page["fulfillmentOptions"] == ours["fulfillmentOptions"]
    assert any(o["method"] == "SHIP" and o["available"] for o in page["fulfillmentOptions"])
    recommended = page["recommendations"]
    assert recommended, "the demo network relates SKUs, so a PDP recommends"
    assert [{k: v for k, v in r.items() if k != "product"} for r in recommended] == ours["recommendations"]
    names = await catalog_names(stack, [r["sku"] for r in recommended])
    assert [(r["product"]["name"], r["product"]["price"]) for r in recommended] == [
        names[r["sku"]] for r in recommended
    ]
    assert 1 <= statements <= 10, statements  # 9 measured (SQLite and PostgreSQL)


OPTIONS = """
  fulfillmentOptions(input: {channel: "web", market: "US", lines: $lines, destination: {geo: $home}}) {
    method available splitCount etaHours location { id name }
    plan { shipments allocations { sku quantity location { id } } }
  }"""
CART = (
    "query Cart($lines: [CartLineInput!]!, $skus: [String!]!, $home: GeoInput!) {"
    f"  catalogProducts(skus: $skus) {{ sku name price }} {OPTIONS} }}"
)
CART_DIRECT = f"query($lines: [CartLineInput!]!, $home: GeoInput!) {{ {OPTIONS} }}"


def cart(size: int) -> dict[str, Any]:
    skus = [f"SKU-{n:05d}" for n in range(1, 1 + size)]
    return {"lines": [{"sku": s, "quantity": 1} for s in skus], "skus": skus, "home": HOME}


@pytest.mark.parametrize("gateway", GATEWAYS)
async def test_cart_fulfillment_options_match_the_subgraph_in_statements_independent_of_cart_size(
    stack: Stack, gateway: str
) -> None:
    counts: dict[int, int] = {}
    for size in (1, 2, 5):
        variables = cart(size)
        data, counts[size] = await stack.through(gateway, CART, variables)
        assert [p["sku"] for p in data["catalogProducts"]] == variables["skus"]
        direct = {"lines": variables["lines"], "home": HOME}
        ours = await stack.direct(stack.oms.base_url + "/graphql", CART_DIRECT, direct)
        assert data["fulfillmentOptions"] == ours["fulfillmentOptions"]
        ship = next(o for o in data["fulfillmentOptions"] if o["method"] == "SHIP")
        assert ship["available"]
        assert sorted(a["sku"] for a in ship["plan"]["allocations"]) == variables["skus"]
    assert counts[1] >= 1
    assert counts[1] == counts[2] == counts[5] <= 4, f"statements per cart size: {counts}"  # 3 measured


PLACE = """
mutation Place($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    order { id status total lines { sku quantity } fulfillments { method status location { id name } } }
    userErrors { code message field }
  }
}"""
CONFIRMATION = """
query Confirmation($id: ID!) {
  order(id: $id) {
    id status total
    lines { sku quantity unitPrice }
    fulfillments { status location { id name } lines { sku quantity } }
    recommendations(limit: 4) { sku reason fulfillmentId location { id } product { name price } }
  }
}"""


def order_input(gateway: str, skus: list[str]) -> dict[str, Any]:
    return {
        "idempotencyKey": f"e2e-{gateway}-{uuid.uuid4().hex}",
        "channel": "web",
        "market": "US",
        "customer": {"id": f"shopper-{gateway}", "email": "shopper@example.com"},
        "lines": [{"sku": s, "quantity": 1, "unitPrice": 19.99} for s in skus],
        "delivery": {"method": "SHIP", "destination": {"geo": HOME}},
    }


@pytest.mark.parametrize("gateway", GATEWAYS)
async def test_place_order_needs_a_staff_token_through_the_gateway(stack: Stack, gateway: str) -> None:
    body, _ = await stack.raw(stack.gateways[gateway], PLACE, {"input": order_input(gateway, ["SKU-00003"])})
    assert body.get("data") is None or body["data"].get("placeOrder") is None
    assert "UNAUTHENTICATED" in str(body["errors"]), body


@pytest.mark.parametrize("gateway", GATEWAYS)
async def test_place_order_then_confirmation_page_with_recommendations_named_by_the_catalog(
    stack: Stack, gateway: str
) -> None:
    skus = ["SKU-00003", "SKU-00011"]
    before = await oms_atp(stack, skus)
    placed, place_statements = await stack.through(
        gateway, PLACE, {"input": order_input(gateway, skus)}, token=ADMIN_TOKEN
    )
    result = placed["placeOrder"]
    assert result["userErrors"] == []
    order = result["order"]
    assert order["status"] == "ALLOCATED"
    assert sorted(x["sku"] for x in order["lines"]) == skus
    assert await oms_atp(stack, skus) == {s: before[s] - 1 for s in skus}, "one unit of each reserved"
    data, confirm_statements = await stack.through(gateway, CONFIRMATION, {"id": order["id"]}, token=ADMIN_TOKEN)
    confirmation = data["order"]
    assert (confirmation["id"], confirmation["status"]) == (order["id"], "ALLOCATED")
    assert confirmation["total"] == pytest.approx(2 * 19.99)
    fulfillment_ids = {f["location"]["id"] for f in confirmation["fulfillments"]}
    recommended = confirmation["recommendations"]
    assert recommended, "the demo network relates SKUs, so a confirmation page recommends"
    assert {r["location"]["id"] for r in recommended} <= fulfillment_ids, "only where the order is fulfilled"
    names = await catalog_names(stack, [r["sku"] for r in recommended])
    assert [(r["product"]["name"], r["product"]["price"]) for r in recommended] == [
        names[r["sku"]] for r in recommended
    ]
    assert 1 <= place_statements <= 20, place_statements  # 15 measured
    assert 1 <= confirm_statements <= 12, confirm_statements  # 10 measured
