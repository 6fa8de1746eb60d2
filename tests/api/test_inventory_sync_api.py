"""syncInventory: snapshots, deltas, staleness, replays, errors; availabilityChanged over WebSocket."""

from __future__ import annotations

import asyncio
import uuid

from tests.api.network import (
    SYNC,
    availability,
    basic_network,
    sync,
    update,
    watching_availability,
)
from tests.harness import Api, subscriptions

T1 = "2026-11-20T11:00:00+00:00"
T2 = "2026-11-20T12:00:00+00:00"


async def on_hand(api: Api, sku: str, location_id: str) -> int | None:
    found = await availability(api, [sku], ids=[location_id], market="US")
    locations = found[0]["locations"]
    return locations[0]["onHand"] if locations else None


async def test_snapshot_sets_on_hand_and_inbound(api: Api) -> None:
    await basic_network(api)
    result = await sync(api, "SNAPSHOT", update("A", "us-1", 7, inbound=3, inboundEta=T2))
    assert result == {"applied": 1, "ignoredStale": 0, "duplicates": 0, "userErrors": []}
    found = (await availability(api, ["A"]))[0]
    assert (found["atp"], found["onHand"], found["reserved"], found["inbound"]) == (7, 7, 0, 3)


async def test_an_older_snapshot_is_ignored_and_counted(api: Api) -> None:
    await basic_network(api)
    await sync(api, "SNAPSHOT", update("A", "us-1", 10, as_of=T2))
    result = await sync(api, "SNAPSHOT", update("A", "us-1", 4, as_of=T1))
    assert (result["applied"], result["ignoredStale"]) == (0, 1)
    assert await on_hand(api, "A", "us-1") == 10
    earlier_elsewhere = await sync(api, "SNAPSHOT", update("A", "us-1", 5, as_of="2026-11-20T12:30:00+01:00"))
    assert earlier_elsewhere["ignoredStale"] == 1, "11:30 UTC is before 12:00 UTC whatever the offset says"
    same_instant = await sync(api, "SNAPSHOT", update("A", "us-1", 6, as_of="2026-11-20T13:00:00+01:00"))
    assert same_instant["applied"] == 1, "a recount at the same instant replaces the last one"
    assert await on_hand(api, "A", "us-1") == 6


async def test_deltas_add_up_and_a_replayed_event_is_a_no_op(api: Api) -> None:
    await basic_network(api)
    await sync(api, "SNAPSHOT", update("A", "us-1", 10, as_of="2026-11-20T10:00:00+00:00"))
    first = await sync(api, "DELTA", update("A", "us-1", -3, as_of=T1, eventId="sale-1"))
    replay = await sync(api, "DELTA", update("A", "us-1", -3, as_of=T1, eventId="sale-1"))
    other_source = await sync(api, "DELTA", update("A", "us-1", 5, as_of=T1, eventId="sale-1"), source="wms")
    assert (first["applied"], replay["duplicates"], other_source["applied"]) == (1, 1, 1)
    assert await on_hand(api, "A", "us-1") == 12


async def test_a_delta_older_than_the_last_snapshot_is_already_counted(api: Api) -> None:
    await basic_network(api)
    await sync(api, "SNAPSHOT", update("A", "us-1", 10, as_of=T2))
    late = await sync(api, "DELTA", update("A", "us-1", -2, as_of=T1, eventId="late-sale"))
    assert (late["applied"], late["ignoredStale"]) == (0, 1)
    assert await on_hand(api, "A", "us-1") == 10


async def test_a_bad_update_fails_alone_with_its_index(api: Api) -> None:
    await basic_network(api)
    result = await sync(
        api,
        "DELTA",
        update("A", "us-1", 2, eventId="e1"),
        update("A", "nowhere", 2, eventId="e2"),
        update("A", "us-1", 2),
        update("B", "us-2", 4, eventId="e3"),
    )
    assert result["applied"] == 2
    assert [(e["field"], e["code"]) for e in result["userErrors"]] == [
        (["input", "updates", "1", "locationId"], "INVALID"),
        (["input", "updates", "2", "eventId"], "INVALID"),
    ]
    negative = await sync(api, "SNAPSHOT", update("A", "us-1", -1))
    assert negative["userErrors"][0]["field"] == ["input", "updates", "0", "quantity"]


async def test_more_than_5000_updates_are_refused_whole(api: Api) -> None:
    await basic_network(api)
    updates = [update(f"S{i}", "us-1", 1) for i in range(5001)]
    data = await api.gql(SYNC, {"input": {"source": "erp", "mode": "SNAPSHOT", "updates": updates}})
    result = data["syncInventory"]
    assert result["applied"] == 0
    assert result["userErrors"][0]["field"] == ["updates"]
    assert (await availability(api, ["S1"]))[0]["onHand"] == 0


async def test_availability_changed_is_pushed_over_websocket_after_commit(api: Api) -> None:
    await basic_network(api)
    query = """subscription($skus: [String!]!) {
      availabilityChanged(skus: $skus, channel: "web", market: "US") { sku atp onHand }
    }"""
    async with watching_availability(api, ["A"], query) as ws:
        await sync(api, "SNAPSHOT", update("B", "us-1", 3))  # another SKU: no event
        await sync(api, "SNAPSHOT", update("A", "us-1", 4), update("A", "us-2", 5))
        event = await ws.next_data()
        assert event["data"]["availabilityChanged"] == {"sku": "A", "atp": 9, "onHand": 9}


async def test_subscribers_woken_by_one_change_share_one_read(api: Api) -> None:
    await basic_network(api)
    query = """subscription($skus: [String!]!) {
      availabilityChanged(skus: $skus, channel: "web", market: "US") { sku atp }
    }"""
    await sync(api, "SNAPSHOT", update("A", "us-1", 3))
    await availability(api, ["A"])  # the replica's reference cache is warm: a read is one statement
    rid = uuid.uuid4().hex
    counted = api.server.resources.db.statements.by_request
    async with subscriptions(api.server, token=None, request_id=rid) as ws:
        for _ in range(20):
            await ws.subscribe(query, {"skus": ["A"]})
        for _ in range(100):  # every subscription has read its baseline
            if counted.get(rid, 0) >= 20:
                break
            await asyncio.sleep(0.05)
        before = counted.get(rid, 0)
        assert before == 20
        await sync(api, "SNAPSHOT", update("A", "us-1", 7))
        events = [(await ws.next_data())["data"]["availabilityChanged"] for _ in range(20)]
        after = counted.get(rid, 0)
    assert events == [{"sku": "A", "atp": 7}] * 20
    assert after - before == 1  # 20 subscribers, one read of the changed SKU


async def test_stock_of_a_sku_not_yet_an_item_is_kept_but_not_promised_until_the_item_arrives(api: Api) -> None:
    await basic_network(api)
    early = await sync(api, "SNAPSHOT", update("NEW-1", "us-1", 4))  # the stock feed beat the catalogue
    assert early["applied"] == 1
    before = (await availability(api, ["NEW-1"]))[0]
    assert (before["atp"], before["onHand"], before["locations"]) == (0, 0, [])
    await api.gql('mutation { upsertItems(input: [{sku: "NEW-1", category: "c"}]) { count } }')
    after = (await availability(api, ["NEW-1"]))[0]
    assert (after["atp"], after["onHand"]) == (4, 4)
