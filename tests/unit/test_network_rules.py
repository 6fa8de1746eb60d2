"""Locations, items and the demo network (domain.locations, domain.items, app.demo)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from app import demo
from domain import items, locations
from domain.errors import InvalidInput
from domain.items import Item
from domain.locations import FulfillmentMethod, Geo, Location, LocationType

GOOD = Location("s1", "Store", LocationType.STORE, ("US",), Geo(40, -74), (FulfillmentMethod.PICKUP,))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": ""}, "id"),
        ({"name": " "}, "name"),
        ({"markets": ()}, "markets"),
        ({"geo": Geo(91, 0)}, "geo"),
        ({"daily_capacity": -1}, "dailyCapacity"),
        ({"handling_cost": -0.5}, "handlingCost"),
    ],
)
def test_invalid_locations_name_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        locations.validate(replace(GOOD, **change))  # type: ignore[arg-type]
    assert raised.value.field == (field,)


def test_a_location_serves_its_markets_only_while_active() -> None:
    assert GOOD.serves("US") and not GOOD.serves("CA")
    assert not replace(GOOD, active=False).serves("US")


def test_a_barcode_already_owned_by_another_sku_clashes() -> None:
    owners = {"111": "A"}
    batch = [Item("A", "x", ("111",)), Item("B", "x", ("111",)), Item("C", "x", ("222",)), Item("D", "x", ("222",))]
    assert items.barcode_clashes(batch, owners) == {1: "111", 3: "222"}


def test_repeated_barcodes_within_an_item_are_refused() -> None:
    with pytest.raises(InvalidInput):
        items.validate(Item("A", "x", ("1", "1")))


def test_the_demo_network_has_the_promised_shape_and_is_deterministic() -> None:
    network = demo.network(seed=7)
    kinds = Counter(x.type for x in network.locations)
    assert kinds[LocationType.STORE] + kinds[LocationType.HUB_STORE] == 60
    assert kinds[LocationType.HUB_STORE] == 6
    assert (kinds[LocationType.WAREHOUSE], kinds[LocationType.DROP_SHIP_VENDOR], kinds[LocationType.DARK_STORE]) == (
        4,
        2,
        1,
    )
    assert {m for x in network.locations for m in x.markets} == {"US", "CA"}
    assert len(network.items) == 5000 and len({i.category for i in network.items}) == 40
    assert all(locations.validate(x) for x in network.locations)
    assert network == demo.network(seed=7)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    assert list(demo.stock(network, now, 7))[:50] == list(demo.stock(demo.network(seed=7), now, 7))[:50]


def test_demo_stock_is_skewed_deep_warehouses_and_shallow_stores() -> None:
    network = demo.network()
    kinds = {x.id: x.type for x in network.locations}
    totals: Counter[LocationType] = Counter()
    counts: Counter[LocationType] = Counter()
    for update in demo.stock(network, datetime(2026, 11, 1, tzinfo=UTC)):
        totals[kinds[update.location_id]] += update.quantity
        counts[kinds[update.location_id]] += 1
    per_position = {k: totals[k] / counts[k] for k in counts}
    assert per_position[LocationType.WAREHOUSE] > 10 * per_position[LocationType.STORE]
    assert counts[LocationType.STORE] / 54 < counts[LocationType.WAREHOUSE] / 4


def test_demo_relations_stay_within_a_department_and_never_point_at_themselves() -> None:
    network = demo.network()
    found = demo.relations(network)
    categories = {i.sku: i.category.split("-")[0] for i in network.items}
    assert len(found) > 3000
    assert all(r.sku != r.related_sku and categories[r.sku] == categories[r.related_sku] for r in found)
    assert found == demo.relations(demo.network())


def test_ean13_check_digit() -> None:
    assert demo.ean13(400638133393) == "4006381333931"
