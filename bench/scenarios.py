"""The storefront's three requests on the large network (`oms seed --scale large`), and their bodies.

- PDP: `availability` of 1 hot SKU (SKUs 0..99 are stocked at every one of
  the 200 locations, app/scale.py) with the full per-location breakdown:
  1 SKU x 200 locations; 10 SKUs in turn.
- PLP: `_entities` of 24 `Product`s with `availability` (available locations
  only); the other SKUs are stocked at a fifth of the locations, so about
  24 x 40 locations; 4 pages in turn.
- cart: `fulfillmentOptions` for a 5-line cart (2 hot SKUs, 3 others) shipped
  to New York; 4 carts in turn.

Each scenario has a route on the hand-built floor (bench/handbuilt.py) that
takes the same body.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app import scale as scale_network
from domain.locations import Geo

SCALE = scale_network.SCALES["large"]
CONNECTIONS = 4
HOME = Geo(40.7, -74.0)

PDP = """query PDP($skus: [String!]!) {
  availability(skus: $skus, channel: "web", market: "US") {
    sku channel market atp onHand reserved inbound
    locations { location { id name type } atp onHand reserved held inbound appliedRules }
  }
}"""
PLP = """query PLP($reps: [_Any!]!) { _entities(representations: $reps) { ... on Product { sku
  availability(channel: "web", market: "US") { sku atp onHand reserved inbound
    locations(onlyAvailable: true) { location { id } atp } } } } }"""
CART = """query Cart($lines: [CartLineInput!]!) {
  fulfillmentOptions(input: {channel: "web", market: "US", lines: $lines,
                             destination: {geo: {lat: 40.7, lon: -74.0}}}) {
    method available splitCount etaHours readyBy location { id }
    plan { shipments estimatedCost allocations { sku quantity } unallocated { sku quantity } }
  }
}"""
FULL = """query Full($skus: [String!]!) { availability(skus: $skus, channel: "web", market: "US") {
  sku channel market atp onHand reserved inbound
  locations { location { id name type } atp onHand reserved held inbound appliedRules } } }"""

PDP_SKUS = [scale_network.sku(n) for n in range(10)]  # hot: stocked at all 200 locations
PLP_PAGES = [[scale_network.sku(1000 + 24 * page + n) for n in range(24)] for page in range(4)]
CARTS = [
    [scale_network.sku(n) for n in (c, 10 + c)] + [scale_network.sku(500 + 7 * c + n) for n in range(3)]
    for c in range(4)
]


def pdp_bodies() -> list[dict[str, Any]]:
    return [{"query": PDP, "variables": {"skus": [s]}} for s in PDP_SKUS]


def plp_bodies() -> list[dict[str, Any]]:
    return [
        {"query": PLP, "variables": {"reps": [{"__typename": "Product", "sku": s} for s in page]}} for page in PLP_PAGES
    ]


def cart_bodies() -> list[dict[str, Any]]:
    return [{"query": CART, "variables": {"lines": [{"sku": s, "quantity": 1} for s in cart]}} for cart in CARTS]


@dataclass(frozen=True)
class Scenario:
    label: str
    short: str
    route: str  # /handbuilt/<route>
    bodies: Callable[[], list[dict[str, Any]]]
    requests: int  # bound of one measurement


SCENARIOS = [
    Scenario("PDP availability, 1 SKU x 200 locations", "PDP availability", "pdp", pdp_bodies, 2000),
    Scenario("PLP _entities, 24 Products with availability", "PLP _entities", "plp", plp_bodies, 1500),
    Scenario("cart fulfillment options, 5 lines", "cart fulfillmentOptions", "cart", cart_bodies, 1500),
]
BY_ROUTE = {s.route: s for s in SCENARIOS}


def shape(scenario: Scenario, answers: list[Any]) -> str:
    """What the answers hold (checked, not assumed): locations per SKU, or options per cart."""
    if scenario.route == "pdp":
        counts = sorted({len(a["availability"][0]["locations"]) for a in answers})
        assert counts == [SCALE.locations], f"the PDP's hot SKUs are at {counts} locations, not {SCALE.locations}"
        return f"1 SKU x {counts[0]} locations"
    if scenario.route == "plp":
        shown = [len(e["availability"]["locations"]) for a in answers for e in a["_entities"]]
        return f"24 products x {sum(shown) / len(shown):.1f} available locations (mean)"
    options = [len(a["fulfillmentOptions"]) for a in answers]
    return f"5 lines, {sum(options) / len(options):.1f} options (mean)"
