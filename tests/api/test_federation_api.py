"""The subgraph as a gateway sees it: `_service`, `_entities`, statement counts."""

from __future__ import annotations

from tests.api.network import basic_network, items, sync, update
from tests.harness import Api

ENTITIES = """
query($reps: [_Any!]!) {
  _entities(representations: $reps) {
    ... on Product { sku availability(channel: "web", market: "US") { sku atp locations { location { id name } atp } } }
    ... on Location { id name type }
  }
}"""


async def test_service_sdl_declares_the_federation_entities(api: Api) -> None:
    sdl = (await api.gql("{ _service { sdl } }", token=None))["_service"]["sdl"]
    assert '@link(url: "https://specs.apollo.dev/federation/v2.9"' in sdl
    assert 'type Product @key(fields: "sku")' in sdl
    assert 'type Location @key(fields: "id")' in sdl


async def test_entities_resolve_products_and_locations_in_order(api: Api) -> None:
    await basic_network(api)
    await sync(api, "SNAPSHOT", update("A", "us-1", 4), update("A", "dc-1", 6))
    reps = [
        {"__typename": "Product", "sku": "A"},
        {"__typename": "Location", "id": "us-2"},
        {"__typename": "Product", "sku": "unknown-sku"},
        {"__typename": "Location", "id": "missing"},
    ]
    data = await api.gql(ENTITIES, {"reps": reps}, token=None)
    product, location, unknown, missing = data["_entities"]
    assert product["availability"]["atp"] == 10
    assert [x["location"]["id"] for x in product["availability"]["locations"]] == ["dc-1", "us-1"]
    assert location == {"id": "us-2", "name": "Location us-2", "type": "HUB_STORE"}
    assert unknown == {"sku": "unknown-sku", "availability": {"sku": "unknown-sku", "atp": 0, "locations": []}}
    assert missing is None


async def test_entities_for_100_products_with_availability_run_at_most_two_statements(api: Api) -> None:
    await basic_network(api)
    await items(api, [f"P{i:03d}" for i in range(100)])
    updates = [update(f"P{i:03d}", loc, i % 7) for i in range(100) for loc in ("us-1", "us-2", "dc-1")]
    await sync(api, "SNAPSHOT", *updates)
    _, cold = await api.counted(ENTITIES, {"reps": [{"__typename": "Product", "sku": "P001"}]}, token=None)
    assert cold <= 3, "cold: positions, then this replica loads locations and rules once"
    for count in (1, 10, 100):
        reps = [{"__typename": "Product", "sku": f"P{i:03d}"} for i in range(count)]
        data, executed = await api.counted(ENTITIES, {"reps": reps}, token=None)
        assert len(data["_entities"]) == count
        assert (
            data["_entities"][99 if count == 100 else 0]["availability"]["atp"] == (99 % 7 if count == 100 else 0) * 3
        )
        assert executed <= 2, f"{count} products cost {executed} statements"
