"""Holds and orders from a postal code alone; an unknown code is a userError on the postalCode field."""

from __future__ import annotations

from tests.api.checkout import create, place, storefront
from tests.api.network import availability, location, sync, update, upsert_locations
from tests.harness import ADMIN_TOKEN, Api

MANHATTAN = {"method": "SHIP", "destination": {"postalCode": "10001", "country": "US"}}


async def _two_coasts(api: Api) -> None:
    await upsert_locations(
        api,
        location("atlanta", geo={"lat": 33.75, "lon": -84.39}),  # first in alphabetical order
        location("manhattan", geo={"lat": 40.75, "lon": -73.99}),
    )
    await api.gql('mutation { upsertItems(input: [{sku: "A", category: "c"}]) { count } }')
    await sync(api, "SNAPSHOT", update("A", "atlanta", 5), update("A", "manhattan", 5))


async def test_an_order_and_a_hold_from_a_postal_code_alone_ship_from_the_nearest_store(api: Api) -> None:
    await _two_coasts(api)
    placed = await place(api, ADMIN_TOKEN, key="o1", delivery=MANHATTAN)
    assert placed["userErrors"] == []
    assert [f["location"]["id"] for f in placed["order"]["fulfillments"]] == ["manhattan"]
    replay = await place(api, ADMIN_TOKEN, key="o1", delivery=MANHATTAN)
    assert replay["order"]["id"] == placed["order"]["id"]

    token = await storefront(api)
    hold = (await create(api, token, key="h1", delivery=MANHATTAN))["hold"]
    assert [a["location"]["id"] for a in hold["plan"]["allocations"]] == ["manhattan"]
    converted = await place(api, token, key="o2", delivery=MANHATTAN, checkoutHoldId=hold["id"])
    assert converted["userErrors"] == []


async def test_an_unknown_postal_code_is_a_user_error_and_changes_nothing(api: Api) -> None:
    await _two_coasts(api)
    unknown = {"method": "SHIP", "destination": {"postalCode": "00000", "country": "US"}}
    placed = await place(api, ADMIN_TOKEN, key="o1", delivery=unknown)
    token = await storefront(api)
    held = await create(api, token, key="h1", delivery=unknown)
    for payload in (placed, held):
        [error] = payload["userErrors"]
        assert error["code"] == "INVALID" and error["field"][-1] == "postalCode" and "00000" in error["message"]
    [a] = await availability(api, ["A"])
    assert a["reserved"] == 0
