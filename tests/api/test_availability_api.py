"""Plain availability: on-hand minus reserved over active locations serving the market."""

from __future__ import annotations

from tests.api.network import AVAILABILITY, availability, basic_network, items, sync, update
from tests.harness import Api

PRODUCT = """
query {
  omsProduct(sku: "A") { sku availability(channel: "web", market: "CA") { atp locations { location { id } atp } } }
}"""


async def test_only_active_locations_serving_the_market_count(api: Api) -> None:
    await basic_network(api)
    await sync(
        api,
        "SNAPSHOT",
        update("A", "us-1", 2),
        update("A", "us-off", 50),
        update("A", "ca-1", 7),
        update("A", "dc-1", 11),
    )
    (us,) = await availability(api, ["A"], market="US")
    assert (us["atp"], us["onHand"]) == (13, 13)
    assert {x["location"]["id"] for x in us["locations"]} == {"us-1", "dc-1"}
    data = await api.gql(PRODUCT, token=None)
    assert data["omsProduct"]["availability"]["atp"] == 18
    assert [x["location"]["id"] for x in data["omsProduct"]["availability"]["locations"]] == ["dc-1", "ca-1"]


async def test_availability_keeps_the_order_of_the_requested_skus_and_filters_locations(api: Api) -> None:
    await basic_network(api)
    await sync(api, "SNAPSHOT", update("A", "us-1", 2), update("B", "us-2", 3), update("B", "us-1", 1))
    found = await availability(api, ["B", "nothing", "A"])
    assert [(x["sku"], x["atp"]) for x in found] == [("B", 4), ("nothing", 0), ("A", 2)]
    only = await availability(api, ["B"], ids=["us-2"])
    assert [(x["location"]["id"], x["atp"]) for x in only[0]["locations"]] == [("us-2", 3)]


async def test_availability_for_50_skus_runs_a_constant_number_of_statements(api: Api) -> None:
    await basic_network(api)
    await items(api, [f"S{i}" for i in range(50)])
    await sync(api, "SNAPSHOT", *[update(f"S{i}", loc, 5) for i in range(50) for loc in ("us-1", "us-2")])
    await availability(api, ["S0"])  # this replica loads locations and rules once
    costs = []
    for count in (1, 50):
        variables = {"skus": [f"S{i}" for i in range(count)], "channel": "web", "market": "US", "ids": None}
        data, cost = await api.counted(AVAILABILITY, variables, token=None)
        found = data["availability"]
        costs.append(cost)
        assert all(x["atp"] == 10 for x in found)
    assert costs[0] == costs[1] == 1
