"""Checkout holds through the API: reserve, extend, release, convert, expire without a sweeper, concurrency."""

from __future__ import annotations

import asyncio

from app.services import holds as hold_service
from app.store import holds as hold_store
from tests.api.checkout import (
    CREATE,
    EXTEND,
    READ,
    RELEASE,
    create,
    hold_input,
    lapse,
    one_store,
    place,
    storefront,
)
from tests.api.network import availability, watching_availability
from tests.harness import ADMIN_TOKEN, Api


async def test_a_hold_reserves_until_released_and_shows_on_the_location(api: Api) -> None:
    await one_store(api, 5)
    token = await storefront(api)
    made = await create(api, token, key="h1", quantity=2)
    assert made["userErrors"] == []
    hold = made["hold"]
    assert hold["status"] == "ACTIVE" and hold["lines"] == [{"sku": "A", "quantity": 2}]
    assert hold["plan"]["allocations"] == [{"location": {"id": "s1"}, "sku": "A", "quantity": 2}]
    assert hold["plan"]["explanation"]
    [a] = await availability(api, ["A"])
    assert (a["atp"], a["reserved"], a["locations"][0]["reserved"]) == (3, 2, 2)
    assert (await api.gql(READ, {"id": hold["id"]}, token=token))["checkoutHold"]["id"] == hold["id"]

    extended = (await api.gql(EXTEND, {"id": hold["id"], "ttl": 3600}, token=token))["extendCheckoutHold"]
    assert extended["userErrors"] == [] and extended["hold"]["expiresAt"] > hold["expiresAt"]

    released = (await api.gql(RELEASE, {"id": hold["id"]}, token=token))["releaseCheckoutHold"]
    assert released["hold"]["status"] == "RELEASED"
    [a] = await availability(api, ["A"])
    assert (a["atp"], a["reserved"]) == (5, 0)
    again = (await api.gql(RELEASE, {"id": hold["id"]}, token=token))["releaseCheckoutHold"]
    assert [e["code"] for e in again["userErrors"]] == ["INVALID_TRANSITION"]


async def test_placing_the_held_cart_converts_the_hold_without_reserving_twice(api: Api) -> None:
    await one_store(api, 3)
    token = await storefront(api)
    hold = (await create(api, token, key="h1", quantity=3))["hold"]
    placed = await place(api, token, key="o1", quantity=3, checkoutHoldId=hold["id"])
    assert placed["userErrors"] == []
    order = placed["order"]
    assert order["plan"]["allocations"] == hold["plan"]["allocations"]
    [a] = await availability(api, ["A"])
    assert (a["atp"], a["onHand"], a["reserved"]) == (0, 3, 3)
    after = (await api.gql(READ, {"id": hold["id"]}, token=token))["checkoutHold"]
    assert (after["status"], after["orderId"]) == ("CONVERTED", order["id"])

    replay = await place(api, token, key="o1", quantity=3, checkoutHoldId=hold["id"])
    assert replay["order"]["id"] == order["id"]  # the same key replays the order
    twice = await place(api, token, key="o2", quantity=3, checkoutHoldId=hold["id"])
    assert [e["code"] for e in twice["userErrors"]] == ["INVALID_TRANSITION"]
    [a] = await availability(api, ["A"])
    assert a["reserved"] == 3


async def test_a_held_cart_must_match_and_an_expired_or_released_hold_converts_to_nothing(api: Api) -> None:
    await one_store(api, 10)
    token = await storefront(api)
    hold = (await create(api, token, key="h1", quantity=2))["hold"]
    other = await place(api, token, key="o1", quantity=3, checkoutHoldId=hold["id"])
    assert [(e["code"], e["field"]) for e in other["userErrors"]] == [("INVALID", ["input", "lines"])]

    released = (await create(api, token, key="h2", quantity=1))["hold"]
    await api.gql(RELEASE, {"id": released["id"]}, token=token)
    after_release = await place(api, token, key="o2", quantity=1, checkoutHoldId=released["id"])
    assert [e["code"] for e in after_release["userErrors"]] == ["INVALID_TRANSITION"]

    await lapse(api, [hold["id"]])
    expired = await place(api, token, key="o3", quantity=2, checkoutHoldId=hold["id"])
    assert [e["code"] for e in expired["userErrors"]] == ["HOLD_EXPIRED"]
    extended = (await api.gql(EXTEND, {"id": hold["id"], "ttl": 600}, token=token))["extendCheckoutHold"]
    assert [e["code"] for e in extended["userErrors"]] == ["HOLD_EXPIRED"]
    [a] = await availability(api, ["A"])
    assert (a["atp"], a["reserved"]) == (10, 0)  # nothing reserved by the refused order, nor by the lapsed hold


async def test_ttl_bounds_and_another_callers_hold(api: Api) -> None:
    await one_store(api, 10)
    token, stranger = await storefront(api), await storefront(api)
    for ttl in (0, 59, 3601, 10_000):
        made = await create(api, token, key=f"t{ttl}", ttlSeconds=ttl)
        assert [(e["code"], e["field"]) for e in made["userErrors"]] == [("INVALID", ["input", "ttlSeconds"])]
    hold = (await create(api, token, key="h1", quantity=4))["hold"]
    assert (await api.gql(READ, {"id": hold["id"]}, token=stranger))["checkoutHold"] is None
    for query, variables in ((EXTEND, {"id": hold["id"], "ttl": 600}), (RELEASE, {"id": hold["id"]})):
        data = await api.gql(query, variables, token=stranger)
        [payload] = data.values()
        assert [e["code"] for e in payload["userErrors"]] == ["FORBIDDEN"]
    taken = await place(api, stranger, key="o1", quantity=4, checkoutHoldId=hold["id"])
    assert [e["code"] for e in taken["userErrors"]] == ["FORBIDDEN"]
    staff_view = (await api.gql(READ, {"id": hold["id"]}, token=ADMIN_TOKEN))["checkoutHold"]
    assert staff_view["status"] == "ACTIVE"
    [a] = await availability(api, ["A"])
    assert (a["atp"], a["reserved"]) == (6, 4)


async def test_the_same_key_replays_the_hold_and_another_cart_conflicts(api: Api) -> None:
    await one_store(api, 10)
    token = await storefront(api)
    first = (await create(api, token, key="h1", quantity=2))["hold"]
    again = (await create(api, token, key="h1", quantity=2))["hold"]
    assert again["id"] == first["id"]
    conflict = await create(api, token, key="h1", quantity=3)
    assert [e["code"] for e in conflict["userErrors"]] == ["IDEMPOTENCY_CONFLICT"]
    [a] = await availability(api, ["A"])
    assert a["reserved"] == 2


async def test_fifty_concurrent_holds_for_twenty_units_then_expiry_frees_them_without_the_sweeper(api: Api) -> None:
    await one_store(api, 20)
    token = await storefront(api)
    results = await asyncio.gather(*(create(api, token, key=f"h{i}") for i in range(50)))
    held = [r["hold"] for r in results if r["hold"]]
    refused = [e["code"] for r in results for e in r["userErrors"]]
    assert len(held) == 20 and refused == ["INSUFFICIENT_STOCK"] * 30
    [a] = await availability(api, ["A"])
    assert (a["atp"], a["reserved"]) == (0, 20)

    await lapse(api)  # no sweeper has run: expiry is part of every read
    [a] = await availability(api, ["A"])
    assert (a["atp"], a["reserved"], a["onHand"]) == (20, 0, 20)
    statuses = {(await api.gql(READ, {"id": h["id"]}, token=token))["checkoutHold"]["status"] for h in held}
    assert statuses == {"EXPIRED"}
    placed = await place(api, token, key="o1", quantity=20)  # ends the lapsed holds it needs, in its transaction
    assert placed["userErrors"] == [] and placed["order"]["status"] == "ALLOCATED"
    [a] = await availability(api, ["A"])
    assert (a["atp"], a["reserved"]) == (0, 20)
    counts = await hold_service.hold_counts(api.server.resources.db)
    assert counts["EXPIRED"] == 20 and counts["ACTIVE"] == 0


async def test_the_sweeper_ends_lapsed_holds_and_says_so_in_metrics(api: Api) -> None:
    await one_store(api, 5)
    token = await storefront(api)
    lapsing = (await create(api, token, key="h1", quantity=2))["hold"]
    (await create(api, token, key="h2", quantity=1))["hold"]
    kept = (await create(api, token, key="h3", quantity=1))["hold"]
    await place(api, token, key="o1", quantity=1, checkoutHoldId=kept["id"])
    await lapse(api, [lapsing["id"]])
    await hold_service.sweep(api.server.resources)  # the server's own scheduler may have swept it already
    assert await hold_service.sweep(api.server.resources) == 0  # nothing is ended twice
    async with api.server.resources.db.read() as conn:
        found = await hold_store.get(conn, lapsing["id"])
    assert found is not None and found.status.value == "EXPIRED"
    [a] = await availability(api, ["A"])
    assert (a["atp"], a["reserved"]) == (3, 2)
    metrics = (await api.http.get("/metrics")).text
    for status, count in (("ACTIVE", 1), ("EXPIRED", 1), ("CONVERTED", 1), ("RELEASED", 0)):
        assert f'oms_checkout_holds{{status="{status}"}} {float(count)}' in metrics


async def test_the_sweeper_tells_availability_subscribers_what_it_freed(quiet: Api) -> None:
    api = quiet
    await one_store(api, 5)
    token = await storefront(api)
    hold = (await create(api, token, key="h1", quantity=2))["hold"]
    query = """subscription($skus: [String!]!) {
      availabilityChanged(skus: $skus, channel: "web", market: "US") { sku atp reserved }
    }"""
    async with watching_availability(api, ["A"], query) as ws:
        await lapse(api, [hold["id"]])
        assert await hold_service.sweep(api.server.resources) == 1
        event = await ws.next_data()
        assert event["data"]["availabilityChanged"] == {"sku": "A", "atp": 5, "reserved": 0}


async def test_an_anonymous_caller_may_not_hold(api: Api) -> None:
    await one_store(api, 5)
    body = await api.raw(CREATE, {"input": hold_input("x")}, token=None)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    [a] = await availability(api, ["A"])
    assert a["reserved"] == 0
