"""Daily capacity is exact: never exceeded under concurrency, given back on cancel, counted in local days."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from app.services import holds as hold_service
from app.store.tables.checkout import location_day_load
from domain.local_time import local_day
from tests.api.checkout import CANCEL, READ, RELEASE, create, lapse, one_store, place, storefront
from tests.api.network import location, sync, update, upsert_locations
from tests.harness import ADMIN_TOKEN, Api


async def _used(api: Api) -> dict[str, int]:
    async with api.server.resources.db.read() as conn:
        rows = await conn.execute(select(location_day_load.c.location_id, location_day_load.c.used))
        return {loc: int(used) for loc, used in rows}


async def test_fifty_concurrent_orders_against_a_capacity_of_ten(api: Api) -> None:
    await one_store(api, 100, capacity=10)
    results = await asyncio.gather(*(place(api, ADMIN_TOKEN, key=f"o{i}") for i in range(50)))
    placed = [r["order"]["id"] for r in results if r["order"]]
    refused = [e["code"] for r in results for e in r["userErrors"]]
    assert len(placed) == 10 and refused == ["CAPACITY_EXHAUSTED"] * 40
    assert await _used(api) == {"s1": 10}

    cancelled = await api.gql(CANCEL, {"id": placed[0]})
    assert cancelled["cancelOrder"]["userErrors"] == []
    assert await _used(api) == {"s1": 9}
    again = await asyncio.gather(*(place(api, ADMIN_TOKEN, key=f"p{i}") for i in range(5)))
    assert sum(1 for r in again if r["order"]) == 1
    assert await _used(api) == {"s1": 10}


async def test_a_full_location_is_skipped_for_another_and_the_error_says_capacity(api: Api) -> None:
    await upsert_locations(
        api,
        location("full", dailyCapacity=1, priority=50, geo={"lat": 40.71, "lon": -74.0}),
        location("spare", geo={"lat": 41.0, "lon": -74.5}),
    )
    await api.gql('mutation { upsertItems(input: [{sku: "A", category: "c"}]) { count } }')
    await sync(api, "SNAPSHOT", update("A", "full", 10), update("A", "spare", 1))
    first = await place(api, ADMIN_TOKEN, key="o1")
    second = await place(api, ADMIN_TOKEN, key="o2")
    assert first["order"]["fulfillments"][0]["location"]["id"] == "full"
    assert second["order"]["fulfillments"][0]["location"]["id"] == "spare"  # full is skipped
    third = await place(api, ADMIN_TOKEN, key="o3")
    assert [(e["code"], e["field"]) for e in third["userErrors"]] == [("CAPACITY_EXHAUSTED", ["input", "lines"])]


async def test_a_hold_claims_capacity_and_its_order_keeps_the_claim(api: Api) -> None:
    await one_store(api, 10, capacity=2)
    token = await storefront(api)
    first = (await create(api, token, key="h1"))["hold"]
    (await create(api, token, key="h2"))["hold"]
    third = await create(api, token, key="h3")
    assert [e["code"] for e in third["userErrors"]] == ["CAPACITY_EXHAUSTED"]
    converted = await place(api, token, key="o1", checkoutHoldId=first["id"])
    assert converted["userErrors"] == []
    assert await _used(api) == {"s1": 2}  # the order took the hold's unit over, it did not claim another
    await api.gql(CANCEL, {"id": converted["order"]["id"]})
    assert await _used(api) == {"s1": 1}


async def test_capacity_counts_the_location_s_local_day(api: Api) -> None:
    await one_store(api, 10, capacity=5, timezone="Pacific/Kiritimati")  # UTC+14: often another date than UTC
    await place(api, ADMIN_TOKEN, key="o1")
    async with api.server.resources.db.read() as conn:
        [(day,)] = list(await conn.execute(select(location_day_load.c.day)))
    assert day == local_day(datetime.now(UTC), "Pacific/Kiritimati")


async def test_a_released_or_lapsed_hold_gives_its_capacity_back_before_any_sweep(quiet: Api) -> None:
    api = quiet
    await one_store(api, 10, capacity=1)
    await api.gql('mutation { upsertItems(input: [{sku: "B", category: "c"}]) { count } }')
    await sync(api, "SNAPSHOT", update("A", "s1", 10), update("B", "s1", 10))
    token = await storefront(api)
    released = (await create(api, token, key="h1"))["hold"]
    assert [e["code"] for e in (await place(api, ADMIN_TOKEN, key="o0", sku="B"))["userErrors"]] == [
        "CAPACITY_EXHAUSTED"
    ]
    await api.gql(RELEASE, {"id": released["id"]}, token=token)
    assert await _used(api) == {"s1": 0}

    lapsing = (await create(api, token, key="h2"))["hold"]
    await lapse(api, [lapsing["id"]])  # no sweep runs: the order for another SKU must not meet its claim
    placed = await place(api, ADMIN_TOKEN, key="o1", sku="B")
    assert placed["userErrors"] == [] and placed["order"]["fulfillments"][0]["location"]["id"] == "s1"
    assert await _used(api) == {"s1": 2}  # the order's unit beside the lapsed hold's, which counts nowhere
    refused = await place(api, ADMIN_TOKEN, key="o2", sku="B")
    assert [e["code"] for e in refused["userErrors"]] == ["CAPACITY_EXHAUSTED"]  # the live claim is the limit
    assert await hold_service.sweep(api.server.resources) == 1
    assert await _used(api) == {"s1": 1}  # the sweep gave the lapsed hold's unit back
    status = (await api.gql(READ, {"id": lapsing["id"]}, token=token))["checkoutHold"]["status"]
    assert status == "EXPIRED"
