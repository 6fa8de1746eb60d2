"""Booking pickup slots with holds and orders: never beyond capacity, freed on release, expiry and cancel."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.services import holds as hold_service
from app.store.tables.checkout import pickup_slot_load
from tests.api.checkout import CANCEL, READ, RELEASE, create, lapse, one_store, place, storefront
from tests.api.network import sync, update
from tests.harness import ADMIN_TOKEN, Api

POLICY = """
mutation($input: PickupSlotPolicyInput!) {
  upsertPickupSlotPolicy(input: $input) { userErrors { field message code } }
}"""
SLOTS = """
query($from: DateTime!, $to: DateTime!) {
  location(id: "s1") { pickupSlots(from: $from, to: $to) { startsAt capacity booked available } }
}"""


async def _store_with_slots(api: Api, capacity: int = 5) -> str:
    """A store open around the clock in 60-minute slots; the start of a bookable slot tomorrow."""
    await one_store(api, 500)
    policy = {
        "locationId": "s1",
        "timezone": "UTC",
        "opensAt": "00:00",
        "closesAt": "23:00",
        "slotMinutes": 60,
        "capacityPerSlot": capacity,
        "leadMinutes": 0,
    }
    assert (await api.gql(POLICY, {"input": policy}))["upsertPickupSlotPolicy"]["userErrors"] == []
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    return tomorrow.isoformat()


def _pickup(slot: str) -> dict[str, Any]:
    return {"method": "PICKUP", "pickupLocationId": "s1", "pickupSlotStartsAt": slot}


async def _booked(api: Api) -> int:
    async with api.server.resources.db.read() as conn:
        return int(sum(n for (n,) in await conn.execute(select(pickup_slot_load.c.booked))))


async def _listed(api: Api, slot: str) -> dict[str, Any]:
    start = datetime.fromisoformat(slot)
    data = await api.gql(SLOTS, {"from": slot, "to": (start + timedelta(hours=1)).isoformat()}, token=None)
    [found] = data["location"]["pickupSlots"]
    return dict(found)


async def test_thirty_concurrent_bookings_of_a_slot_for_five(api: Api) -> None:
    slot = await _store_with_slots(api, capacity=5)
    token = await storefront(api)
    holds = await asyncio.gather(*(create(api, token, key=f"h{i}", delivery=_pickup(slot)) for i in range(15)))
    orders = await asyncio.gather(*(place(api, ADMIN_TOKEN, key=f"o{i}", delivery=_pickup(slot)) for i in range(15)))
    made = [r for r in (*holds, *orders) if r.get("hold") or r.get("order")]
    refused = [e["code"] for r in (*holds, *orders) for e in r["userErrors"]]
    assert len(made) == 5 and refused == ["SLOT_FULL"] * 25
    assert await _booked(api) == 5
    assert await _listed(api, slot) == {
        "startsAt": slot.replace("+00:00", "+00:00"),
        "capacity": 5,
        "booked": 5,
        "available": 0,
    }


async def test_a_slot_is_freed_by_release_expiry_and_cancel_and_converted_with_its_hold(api: Api) -> None:
    slot = await _store_with_slots(api, capacity=3)
    token = await storefront(api)
    released = (await create(api, token, key="h1", delivery=_pickup(slot)))["hold"]
    lapsing = (await create(api, token, key="h2", delivery=_pickup(slot)))["hold"]
    converting = (await create(api, token, key="h3", delivery=_pickup(slot)))["hold"]
    assert released["pickupSlotStartsAt"] and await _booked(api) == 3
    assert converting["pickupSlot"] == {
        "startsAt": converting["pickupSlotStartsAt"],
        "capacity": 3,
        "booked": 3,
        "available": 0,
    }
    assert [e["code"] for e in (await create(api, token, key="h4", delivery=_pickup(slot)))["userErrors"]] == [
        "SLOT_FULL"
    ]
    await api.gql(RELEASE, {"id": released["id"]}, token=token)
    assert await _booked(api) == 2
    await lapse(api, [lapsing["id"]])
    order = await place(api, token, key="o1", delivery=_pickup(slot), checkoutHoldId=converting["id"])
    assert order["userErrors"] == [] and order["order"]["pickupSlotStartsAt"] == converting["pickupSlotStartsAt"]
    await hold_service.sweep(api.server.resources)  # the server's own scheduler may have swept it already
    assert (await api.gql(READ, {"id": lapsing["id"]}, token=token))["checkoutHold"]["status"] == "EXPIRED"
    assert await _booked(api) == 1  # the converted hold's place is the order's now
    await api.gql(CANCEL, {"id": order["order"]["id"]})
    assert await _booked(api) == 0


async def test_a_lapsed_hold_books_nothing_even_before_any_sweep(quiet: Api) -> None:
    api = quiet
    slot = await _store_with_slots(api, capacity=1)
    await api.gql('mutation { upsertItems(input: [{sku: "B", category: "c"}]) { count } }')
    await sync(api, "SNAPSHOT", update("A", "s1", 500), update("B", "s1", 10))
    token = await storefront(api)
    hold = (await create(api, token, key="h1", delivery=_pickup(slot)))["hold"]
    assert (await _listed(api, slot))["available"] == 0
    await lapse(api, [hold["id"]])  # no sweep runs
    assert (await _listed(api, slot))["booked"] == 0 and (await _listed(api, slot))["available"] == 1
    placed = await place(api, ADMIN_TOKEN, key="o1", sku="B", delivery=_pickup(slot))
    assert placed["userErrors"] == [] and placed["order"]["pickupSlotStartsAt"] == hold["pickupSlotStartsAt"]
    assert await _booked(api) == 2 and (await _listed(api, slot))["available"] == 0  # one live, one lapsed
    refused = await place(api, ADMIN_TOKEN, key="o2", sku="B", delivery=_pickup(slot))
    assert [e["code"] for e in refused["userErrors"]] == ["SLOT_FULL"]  # a live booking is still a booking
    assert await hold_service.sweep(api.server.resources) == 1
    assert await _booked(api) == 1 and (await _listed(api, slot))["booked"] == 1
    assert (await api.gql(READ, {"id": hold["id"]}, token=token))["checkoutHold"]["status"] == "EXPIRED"


async def test_slots_outside_hours_in_the_past_off_the_grid_or_without_pickup_are_refused(api: Api) -> None:
    slot = await _store_with_slots(api)
    start = datetime.fromisoformat(slot)
    cases = {
        (start.replace(hour=23)).isoformat(): "SLOT_FULL",  # closed: the last slot starts 22:00
        (start - timedelta(days=2)).isoformat(): "SLOT_FULL",  # in the past
        (start + timedelta(minutes=30)).isoformat(): "INVALID",  # not a slot's start
    }
    token = await storefront(api)
    for when, code in cases.items():
        made = await create(api, token, key=f"h{when}", delivery=_pickup(when))
        assert [(e["code"], e["field"]) for e in made["userErrors"]] == [
            (code, ["input", "delivery", "pickupSlotStartsAt"])
        ], when
    shipped = await place(
        api,
        ADMIN_TOKEN,
        key="o1",
        delivery={"method": "SHIP", "destination": {"geo": {"lat": 40.7, "lon": -74.0}}, "pickupSlotStartsAt": slot},
    )
    assert [e["code"] for e in shipped["userErrors"]] == ["INVALID"]
    assert await _booked(api) == 0
