"""placeOrder's single write on each backend: whole or nothing, one order per key, sealed after."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from app.services.uow import UnitOfWork
from app.store import driver, placing
from domain.locations import FulfillmentMethod, Geo
from domain.orders import Customer, Delivery, FulfillmentLine, OrderEvent, OrderLine, OrderRequest, OrderStatus
from tests.api.network import availability, location, sync, update, upsert_locations
from tests.backends import Backend
from tests.harness import Api

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
ORDERS = "{ orders(first: 10) { edges { node { id } } } }"


class Undo(Exception):
    """Leave the unit of work the way the service does when a reservation did not hold."""


async def network(api: Api) -> None:
    await upsert_locations(api, location("s1"))
    await api.gql(
        "mutation($i: [ItemInput!]!) { upsertItems(input: $i) { count } }",
        {"i": [{"sku": s, "category": "c"} for s in ("A", "B")]},
    )
    await sync(api, "SNAPSHOT", update("A", "s1", 5), update("B", "s1", 1))


def new_order(order_id: str, key: str, takes: list[tuple[str, int]]) -> placing.NewOrder:
    request = OrderRequest(
        key,
        "web",
        "US",
        Customer("c1"),
        tuple(OrderLine(sku, qty, 10.0) for sku, qty in takes),
        Delivery(FulfillmentMethod.SHIP, geo=Geo(40.7, -74.0)),
    )
    event = OrderEvent(order_id, "order.created", OrderStatus.ALLOCATED, NOW, "Allocated to s1 (1 shipment)")
    return placing.NewOrder(
        order_id,
        request,
        OrderStatus.ALLOCATED,
        False,
        {},
        {"s1": [FulfillmentLine(sku, qty) for sku, qty in takes]},
        {"s1": f"ful_{order_id}"},
        event,
        f"evt_{order_id}",
        "order.created",
        {"order": {"id": order_id}},
        NOW,
        tuple(placing.Reservation("s1", sku, qty, 0) for sku, qty in sorted(takes)),
    )


async def reserved(api: Api) -> dict[str, int]:
    return {a["sku"]: a["reserved"] for a in await availability(api, ["A", "B"])}


async def test_a_reservation_that_does_not_hold_keeps_nothing_of_the_order(api: Api) -> None:
    await network(api)
    uow = api.server.resources.uow()
    with pytest.raises(Undo):
        async with uow:
            written = await placing.write_order(
                uow.conn, new_order("ord_x", "k1", [("A", 2), ("B", 2)]), more_writes=False
            )
            assert written is placing.Written.STOCK_MOVED
            raise Undo
    assert await reserved(api) == {"A": 0, "B": 0}
    assert (await api.gql(ORDERS))["orders"]["edges"] == []


async def test_a_taken_key_writes_nothing_more(api: Api) -> None:
    await network(api)
    outcomes = []
    for order_id in ("ord_1", "ord_2"):
        uow = api.server.resources.uow()
        async with uow:
            written = await placing.write_order(uow.conn, new_order(order_id, "same", [("A", 1)]), more_writes=False)
            outcomes.append(written)
    assert outcomes == [placing.Written.PLACED, placing.Written.KEY_TAKEN]
    assert await reserved(api) == {"A": 1, "B": 0}
    assert [e["node"]["id"] for e in (await api.gql(ORDERS))["orders"]["edges"]] == ["ord_1"]


async def test_a_sealed_unit_of_work_refuses_another_statement(api: Api) -> None:
    uow: UnitOfWork = api.server.resources.uow()
    with pytest.raises(RuntimeError, match="one statement"):
        async with uow:
            uow.seal("written in one statement")
            await uow.conn.execute(text("SELECT 1"))


async def test_postgresql_takes_the_asyncpg_path(api: Api, backend: Backend) -> None:
    async with api.server.resources.db.read() as conn:
        found = await driver.asyncpg_connection(conn, begin=False)
    assert (found is not None) == (backend.name == "postgres")


async def test_concurrent_split_orders_reserve_both_parcels_or_neither(api: Api) -> None:
    await upsert_locations(api, location("x"), location("y", geo={"lat": 41.0, "lon": -74.0}))
    await api.gql(
        "mutation($i: [ItemInput!]!) { upsertItems(input: $i) { count } }",
        {"i": [{"sku": s, "category": "c"} for s in ("A", "B")]},
    )
    await sync(api, "SNAPSHOT", update("A", "x", 6), update("B", "y", 9))
    place = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
      order { fulfillments { location { id } } } userErrors { code } } }"""

    def split(n: int) -> dict[str, object]:
        return {
            "idempotencyKey": f"split-{n}",
            "channel": "web",
            "market": "US",
            "customer": {"id": "c"},
            "lines": [{"sku": "B", "quantity": 1, "unitPrice": 1.0}, {"sku": "A", "quantity": 1, "unitPrice": 1.0}],
            "delivery": {"method": "SHIP", "destination": {"geo": {"lat": 40.7, "lon": -74.0}}},
        }

    results = await asyncio.gather(*(api.gql(place, {"input": split(n)}) for n in range(16)))
    placed = [r["placeOrder"]["order"] for r in results if r["placeOrder"]["order"]]
    assert len(placed) == 6  # A runs out first; B is never reserved without A
    assert all(sorted(f["location"]["id"] for f in o["fulfillments"]) == ["x", "y"] for o in placed)
    assert all(
        r["placeOrder"]["userErrors"] == [{"code": "INSUFFICIENT_STOCK"}]
        for r in results
        if not r["placeOrder"]["order"]
    )
    assert await reserved(api) == {"A": 6, "B": 6}
