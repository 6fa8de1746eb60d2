"""Click & collect slots over HTTP: the policy, the listing, booked counts, the next slot on a pickup option."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.store.tables.checkout import pickup_slot_load
from domain.access import Role
from tests.api.network import location, sync, update, upsert_locations
from tests.api.principals import token_for
from tests.harness import Api

UPSERT = """
mutation($input: PickupSlotPolicyInput!) {
  upsertPickupSlotPolicy(input: $input) {
    policy { location { id timezone } timezone opensAt closesAt slotMinutes capacityPerSlot leadMinutes }
    userErrors { field message code }
  }
}"""
LOCATION = """
query($id: ID!) {
  location(id: $id) {
    timezone
    pickupSlotPolicy { timezone opensAt closesAt slotMinutes capacityPerSlot leadMinutes location { id } }
  }
}"""
SLOTS = """
query($id: ID!, $from: DateTime!, $to: DateTime!) {
  location(id: $id) { pickupSlots(from: $from, to: $to) { startsAt endsAt capacity booked available } }
}"""
OPTIONS = """
query($input: FulfillmentOptionsInput!) {
  fulfillmentOptions(input: $input) {
    method location { id } available readyBy etaHours
    pickupSlot { startsAt endsAt capacity booked available }
  }
}"""
NY = "America/New_York"


def policy(location_id: str = "nyc", **overrides: Any) -> dict[str, Any]:
    base = {
        "locationId": location_id,
        "timezone": NY,
        "opensAt": "09:00",
        "closesAt": "11:00",
        "slotMinutes": 60,
        "capacityPerSlot": 2,
    }
    return base | overrides


async def network(api: Api) -> None:
    result = await upsert_locations(
        api,
        location("nyc", turnaroundHours=2),
        location("bk", geo={"lat": 40.68, "lon": -73.94}, turnaroundHours=2),
        location("dc", type="WAREHOUSE", capabilities=["SHIP"]),
    )
    assert result["userErrors"] == []
    await api.gql(
        "mutation($i: [ItemInput!]!) { upsertItems(input: $i) { count } }", {"i": [{"sku": "A", "category": "c"}]}
    )


async def upsert(api: Api, payload: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    kwargs = {"token": token} if token else {}
    return dict((await api.gql(UPSERT, {"input": payload}, **kwargs))["upsertPickupSlotPolicy"])


async def book(api: Api, location_id: str, starts_at: str, booked: int, capacity: int = 2) -> None:
    """What a booking leaves behind (the booking itself is placeOrder's and the checkout hold's)."""
    async with api.server.resources.db.write() as conn:
        await conn.execute(
            pickup_slot_load.insert().values(
                location_id=location_id, starts_at=datetime.fromisoformat(starts_at), booked=booked, capacity=capacity
            )
        )


async def test_a_policy_is_stored_with_the_locations_time_zone(api: Api) -> None:
    await network(api)
    result = await upsert(api, policy(leadMinutes=30))
    assert result["userErrors"] == []
    assert result["policy"] == {
        "location": {"id": "nyc", "timezone": NY},
        "timezone": NY,
        "opensAt": "09:00",
        "closesAt": "11:00",
        "slotMinutes": 60,
        "capacityPerSlot": 2,
        "leadMinutes": 30,
    }
    stored = (await api.gql(LOCATION, {"id": "nyc"}, token=None))["location"]
    assert stored["timezone"] == NY and stored["pickupSlotPolicy"]["leadMinutes"] == 30
    assert (await upsert(api, policy(slotMinutes=30)))["policy"]["slotMinutes"] == 30  # replaced, not added
    # a location feed that does not name a time zone keeps the policy's
    await upsert_locations(api, location("nyc", turnaroundHours=2))
    assert (await api.gql(LOCATION, {"id": "nyc"}))["location"]["timezone"] == NY


async def test_a_bad_policy_is_refused_and_changes_nothing(api: Api) -> None:
    await network(api)
    cases = [
        (policy(timezone="Mars/Olympus"), ["input", "timezone"], "INVALID"),
        (policy(closesAt="08:00"), ["input", "closesAt"], "INVALID"),
        (policy(opensAt="9am"), ["input", "opensAt"], "INVALID"),
        (policy(slotMinutes=0), ["input", "slotMinutes"], "INVALID"),
        (policy(capacityPerSlot=0), ["input", "capacityPerSlot"], "INVALID"),
        (policy("nowhere"), ["input", "locationId"], "NOT_FOUND"),
        (policy("dc"), ["input", "locationId"], "INVALID"),  # a warehouse offers no PICKUP
    ]
    for payload, field, code in cases:
        result = await upsert(api, payload)
        assert result["policy"] is None
        assert [(e["field"], e["code"]) for e in result["userErrors"]] == [(field, code)], payload
    for loc_id in ("nyc", "dc"):
        stored = (await api.gql(LOCATION, {"id": loc_id}))["location"]
        assert stored == {"timezone": "UTC", "pickupSlotPolicy": None}


async def test_slots_across_two_local_days_are_utc_instants_with_booked_counts(api: Api) -> None:
    await network(api)
    assert (await upsert(api, policy()))["userErrors"] == []
    await book(api, "nyc", "2099-06-01T14:00:00+00:00", booked=2)
    await book(api, "nyc", "2099-06-02T13:00:00+00:00", booked=1)
    await book(api, "bk", "2099-06-01T13:00:00+00:00", booked=2)  # another store's counter
    window = {"id": "nyc", "from": "2099-06-01T00:00:00Z", "to": "2099-06-03T00:00:00Z"}
    found = (await api.gql(SLOTS, window, token=None))["location"]["pickupSlots"]
    assert found == [  # 09:00 and 10:00 in New York (EDT, UTC-4) on June 1 and June 2
        slot("2099-06-01T13:00:00+00:00", booked=0),
        slot("2099-06-01T14:00:00+00:00", booked=2),
        slot("2099-06-02T13:00:00+00:00", booked=1),
        slot("2099-06-02T14:00:00+00:00", booked=0),
    ]
    winter = {"id": "nyc", "from": "2099-12-01T00:00:00Z", "to": "2099-12-02T00:00:00Z"}
    found = (await api.gql(SLOTS, winter))["location"]["pickupSlots"]
    assert [s["startsAt"] for s in found] == ["2099-12-01T14:00:00+00:00", "2099-12-01T15:00:00+00:00"]  # EST


def slot(starts_at: str, booked: int, capacity: int = 2) -> dict[str, Any]:
    start = datetime.fromisoformat(starts_at)
    return {
        "startsAt": starts_at,
        "endsAt": (start + timedelta(hours=1)).isoformat(),
        "capacity": capacity,
        "booked": booked,
        "available": max(0, capacity - booked),
    }


async def test_no_policy_no_slots_and_a_bad_window_is_a_bad_request(api: Api) -> None:
    await network(api)
    window = {"id": "bk", "from": "2099-06-01T00:00:00Z", "to": "2099-06-03T00:00:00Z"}
    assert (await api.gql(SLOTS, window))["location"]["pickupSlots"] == []
    for start, end in [
        ("2099-06-03T00:00:00Z", "2099-06-01T00:00:00Z"),
        ("2099-06-01T00:00:00Z", "2099-07-15T00:00:00Z"),
    ]:
        body = await api.raw(SLOTS, {"id": "bk", "from": start, "to": end})
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_REQUEST"], body


async def test_slots_of_several_locations_are_read_in_one_batch(api: Api) -> None:
    await network(api)
    await upsert(api, policy("nyc"))
    await upsert(api, policy("bk"))
    query = """
    query($from: DateTime!, $to: DateTime!) {
      a: location(id: "nyc") { pickupSlots(from: $from, to: $to) { startsAt } }
      b: location(id: "bk") { pickupSlots(from: $from, to: $to) { startsAt } }
      c: location(id: "dc") { pickupSlots(from: $from, to: $to) { startsAt } }
    }"""
    data, statements = await api.counted(query, {"from": "2099-06-01T00:00:00Z", "to": "2099-06-02T00:00:00Z"})
    assert [len(data[k]["pickupSlots"]) for k in "abc"] == [2, 2, 0]
    assert statements == 3  # the locations, their policies, their booked counts


async def options(api: Api, **extra: Any) -> tuple[list[dict[str, Any]], int]:
    payload = {"channel": "web", "market": "US", "lines": [{"sku": "A", "quantity": 1}]} | extra
    data, statements = await api.counted(OPTIONS, {"input": payload}, token=None)
    return [o for o in data["fulfillmentOptions"] if o["method"] == "PICKUP"], statements


async def test_a_pickup_option_shows_the_next_free_slot_and_is_ready_no_sooner(api: Api) -> None:
    await network(api)
    await sync(api, "SNAPSHOT", update("A", "nyc", 5), update("A", "bk", 5))
    await options(api)  # warm the replica's reference cache
    plain, statements_without = await options(api, pickupLocationIds=["nyc", "bk"])
    assert [o["pickupSlot"] for o in plain] == [None, None]
    before = datetime.now(UTC)
    await upsert(api, policy("nyc", opensAt="00:00", closesAt="23:59", slotMinutes=30, leadMinutes=60))
    await options(api)
    found, statements_with_one = await options(api, pickupLocationIds=["nyc", "bk"])
    nyc, bk = found
    assert bk["pickupSlot"] is None and nyc["available"]
    first = nyc["pickupSlot"]
    starts = datetime.fromisoformat(first["startsAt"])
    assert starts >= before + timedelta(hours=3)  # turnaround 2 h + lead 60 min
    assert datetime.fromisoformat(nyc["readyBy"]) >= starts
    assert abs(nyc["etaHours"] - (datetime.fromisoformat(nyc["readyBy"]) - before).total_seconds() / 3600) < 0.1
    assert (first["capacity"], first["booked"], first["available"]) == (2, 0, 2)
    await book(api, "nyc", first["startsAt"], booked=2)
    later = (await options(api, pickupLocationIds=["nyc"]))[0][0]["pickupSlot"]
    assert datetime.fromisoformat(later["startsAt"]) > starts
    await upsert(api, policy("bk", opensAt="00:00", closesAt="23:59", slotMinutes=30))
    await options(api)
    found, statements_with_two = await options(api, pickupLocationIds=["nyc", "bk"])
    assert all(o["pickupSlot"] for o in found)
    # policies and booked counts of every pickup store: one statement more than with no policy at all
    assert statements_with_two == statements_with_one == statements_without + 1


async def test_only_a_manager_of_that_store_may_set_its_policy(api: Api) -> None:
    await network(api)
    other = await token_for(api.server, Role.STORE_MANAGER, locations={"bk"})
    body = await api.raw(UPSERT, {"input": policy("nyc")}, token=other)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert (await api.gql(LOCATION, {"id": "nyc"}))["location"]["pickupSlotPolicy"] is None
    associate = await token_for(api.server, Role.STORE_ASSOCIATE, locations={"nyc"})
    body = await api.raw(UPSERT, {"input": policy("nyc")}, token=associate)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    manager = await token_for(api.server, Role.STORE_MANAGER, locations={"nyc"})
    assert (await upsert(api, policy("nyc"), token=manager))["userErrors"] == []
