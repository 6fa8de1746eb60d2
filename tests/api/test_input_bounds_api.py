"""Input that would break reads for everyone later is refused up front: prices, coordinates, unit counts,
times without an offset. Each answer is a userError or a BAD_REQUEST, never INTERNAL, and writes nothing."""

from __future__ import annotations

import uuid

from tests.api.network import SYNC, availability, basic_network, sync, update
from tests.api.test_orders_api import PLACE, order_input
from tests.api.test_webhooks_api import shop
from tests.harness import Api

ORDERS = "{ orders(first: 5) { edges { node { id total } } } }"


async def test_prices_and_coordinates_out_of_range_are_user_errors_and_orders_stay_readable(api: Api) -> None:
    await shop(api)
    huge = order_input(key="huge", lines=[("A", 2)])
    huge["lines"][0]["unitPrice"] = 1e308
    answer = (await api.gql(PLACE, {"input": huge}))["placeOrder"]
    assert answer["order"] is None and answer["userErrors"][0]["field"] == ["input", "lines", "0", "unitPrice"]
    nowhere = order_input(key="nowhere", lines=[("A", 1)])
    nowhere["delivery"]["destination"]["geo"] = {"lat": 400.0, "lon": -74.0}
    answer = (await api.gql(PLACE, {"input": nowhere}))["placeOrder"]
    assert answer["userErrors"][0]["field"] == ["input", "delivery", "destination", "geo"]
    options = await api.raw(
        """query { fulfillmentOptions(input: {channel: "web", market: "US", lines: [{sku: "A", quantity: 1}],
             destination: {geo: {lat: 1e308, lon: 0}}}) { method } }"""
    )
    assert options["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert (await api.gql(ORDERS))["orders"]["edges"] == []  # nothing written, and the list still reads


async def test_unit_counts_are_bounded_so_availability_stays_an_int(api: Api) -> None:
    await basic_network(api)
    too_many = await sync(api, "DELTA", update("A", "us-1", 2_147_483_647, eventId=uuid.uuid4().hex))
    assert too_many["applied"] == 0 and too_many["userErrors"][0]["field"] == ["input", "updates", "0", "quantity"]
    for _ in range(3):  # each within bounds; together past them: on-hand stops at the bound
        await sync(api, "DELTA", update("A", "us-1", 9_000_000, eventId=uuid.uuid4().hex))
    found = (await availability(api, ["A"], ids=["us-1"]))[0]
    assert found["onHand"] == 10_000_000
    inbound = await sync(api, "SNAPSHOT", update("A", "us-1", 1, inbound=20_000_000))
    assert inbound["userErrors"][0]["field"] == ["input", "updates", "0", "inbound"]


async def test_a_time_without_an_offset_or_no_time_at_all_is_a_bad_request(api: Api) -> None:
    await basic_network(api)
    for as_of in ("yesterday", "2026-11-27T09:00:00"):
        body = await api.raw(
            SYNC, {"input": {"source": "pos", "mode": "SNAPSHOT", "updates": [update("A", "us-1", 1, as_of=as_of)]}}
        )
        assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST", body
    literal = await api.raw(
        'mutation { confirmDelivery(fulfillmentId: "x", deliveredAt: "garbage") { userErrors { code } } }'
    )
    assert literal["errors"][0]["extensions"]["code"] == "BAD_REQUEST", literal
    assert "UTC offset" in json_of(
        await api.raw(
            'mutation($d: DateTime) { confirmDelivery(fulfillmentId: "x", deliveredAt: $d) { userErrors { code } } }',
            {"d": "2026-11-27T09:00:00"},
        )
    )


def json_of(body: dict[str, object]) -> str:
    import json

    return json.dumps(body)
