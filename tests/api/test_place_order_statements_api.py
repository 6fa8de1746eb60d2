"""placeOrder's SQL statements, counted: the round trips of the hot path stay few, whatever the load."""

from __future__ import annotations

from typing import Any

from tests.api.network import location, sync, update, upsert_locations
from tests.backends import Backend
from tests.harness import Api

PLACE = """
mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id status } userErrors { code } } }"""

# PostgreSQL: the read (items, positions, version tokens, fraud policy) and one write (the order whole
# with its guarded reservations), and no BEGIN or COMMIT. SQLite has no data-modifying CTEs: the order's
# row, lines, fulfillment, its lines, event and outbox event are six statements, then one reservation
# per allocation.
EXPECTED = {"postgres": 2, "sqlite": 8}
PER_MORE_ALLOCATION = {"postgres": 0, "sqlite": 1}


def order(key: str, lines: list[tuple[str, int]], **delivery: Any) -> dict[str, Any]:
    return {
        "idempotencyKey": key,
        "channel": "web",
        "market": "US",
        "customer": {"id": "cust-1"},
        "lines": [{"sku": s, "quantity": q, "unitPrice": 10.0} for s, q in lines],
        "delivery": {"method": "SHIP", "destination": {"geo": {"lat": 40.7, "lon": -74.0}}} | delivery,
    }


async def network(api: Api) -> None:
    await upsert_locations(api, location("s1"), location("s2", geo={"lat": 41.0, "lon": -74.0}))
    await api.gql(
        "mutation($i: [ItemInput!]!) { upsertItems(input: $i) { count } }",
        {"i": [{"sku": s, "category": "c"} for s in ("A", "B")]},
    )
    await sync(api, "SNAPSHOT", update("A", "s1", 50), update("B", "s1", 50), update("A", "s2", 50))


async def test_a_warm_place_order_runs_a_fixed_handful_of_statements(api: Api, backend: Backend) -> None:
    await network(api)
    await api.gql(PLACE, {"input": order("warm-up", [("A", 1)])})  # the replica's reference cache fills here
    data, statements = await api.counted(PLACE, {"input": order("counted", [("A", 1)])})
    assert data["placeOrder"]["order"]["status"] == "ALLOCATED"
    assert statements == EXPECTED[backend.name]


async def test_more_lines_in_one_parcel_add_at_most_their_reservations(api: Api, backend: Backend) -> None:
    await network(api)
    await api.gql(PLACE, {"input": order("warm-up", [("A", 1)])})
    data, statements = await api.counted(PLACE, {"input": order("two-lines", [("A", 1), ("B", 2)])})
    assert data["placeOrder"]["order"]["status"] == "ALLOCATED"
    assert statements == EXPECTED[backend.name] + PER_MORE_ALLOCATION[backend.name]


async def test_a_replay_and_a_shortage_stay_cheap(api: Api) -> None:
    await network(api)
    await api.gql(PLACE, {"input": order("first", [("A", 1)])})
    replay, replay_statements = await api.counted(PLACE, {"input": order("first", [("A", 1)])})
    short, short_statements = await api.counted(PLACE, {"input": order("short", [("A", 500)])})
    assert replay["placeOrder"]["order"]["id"] and short["placeOrder"]["userErrors"] == [{"code": "INSUFFICIENT_STOCK"}]
    # Replay: read, the claim that finds the key taken, the key's order id, then the order and its lines
    # for the answer.
    assert replay_statements == 5
    assert short_statements == 2  # read, and the claim that would wait out a concurrent duplicate
