"""A small network the API tests share, written through the public API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from tests.harness import Api, Client, Subscriptions, subscriptions

UPSERT_LOCATIONS = """
mutation($input: [LocationInput!]!) {
  upsertLocations(input: $input) { locations { id name type markets active } userErrors { field message code } }
}"""
UPSERT_ITEMS = """
mutation($input: [ItemInput!]!) { upsertItems(input: $input) { count userErrors { field message code } } }"""
SYNC = """
mutation($input: InventorySyncInput!) {
  syncInventory(input: $input) { applied ignoredStale duplicates userErrors { field message code } }
}"""
AVAILABILITY = """
query($skus: [String!]!, $channel: String!, $market: String!, $ids: [ID!]) {
  availability(skus: $skus, channel: $channel, market: $market, locationIds: $ids) {
    sku channel market atp onHand reserved inbound
    locations { location { id type } atp onHand reserved held inbound appliedRules }
  }
}"""

T0 = "2026-11-20T10:00:00+00:00"


def location(loc_id: str, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": loc_id,
        "name": f"Location {loc_id}",
        "type": "STORE",
        "markets": ["US"],
        "geo": {"lat": 40.7, "lon": -74.0},
        "capabilities": ["PICKUP", "SHIP"],
    }
    return base | overrides


async def upsert_locations(api: Client, *locations: dict[str, Any]) -> dict[str, Any]:
    data = await api.gql(UPSERT_LOCATIONS, {"input": list(locations)})
    return dict(data["upsertLocations"])


async def sync(api: Client, mode: str, *updates: dict[str, Any], source: str = "pos") -> dict[str, Any]:
    data = await api.gql(SYNC, {"input": {"source": source, "mode": mode, "updates": list(updates)}})
    return dict(data["syncInventory"])


def update(sku: str, location_id: str, quantity: int, as_of: str = T0, **extra: Any) -> dict[str, Any]:
    return {"sku": sku, "locationId": location_id, "quantity": quantity, "asOf": as_of, **extra}


async def availability(
    api: Client, skus: list[str], market: str = "US", channel: str = "web", ids: list[str] | None = None
) -> list[dict[str, Any]]:
    data = await api.gql(AVAILABILITY, {"skus": skus, "channel": channel, "market": market, "ids": ids}, token=None)
    return list(data["availability"])


async def basic_network(api: Client) -> None:
    """Two US stores, a CA store, an inactive US store, a warehouse; two items."""
    result = await upsert_locations(
        api,
        location("us-1"),
        location("us-2", type="HUB_STORE"),
        location("ca-1", markets=["CA"]),
        location("us-off", active=False),
        location("dc-1", type="WAREHOUSE", capabilities=["SHIP"], markets=["US", "CA"]),
    )
    assert result["userErrors"] == []
    data = await api.gql(
        UPSERT_ITEMS,
        {"input": [{"sku": "A", "category": "shoes", "barcodes": ["0001"]}, {"sku": "B", "category": "hats"}]},
    )
    assert data["upsertItems"] == {"count": 2, "userErrors": []}


async def items(api: Client, skus: list[str], category: str = "c") -> None:
    """Items for these SKUs: stock is promised only for SKUs the catalogue knows."""
    data = await api.gql(UPSERT_ITEMS, {"input": [{"sku": sku, "category": category} for sku in skus]})
    assert data["upsertItems"]["userErrors"] == []


@contextlib.asynccontextmanager
async def watching_availability(api: Api, skus: list[str], query: str) -> AsyncIterator[Subscriptions]:
    """An anonymous subscriber of these SKUs (`query` an availabilityChanged subscription taking `$skus`, kept
    literal where it is used so the differential corpus finds it), listening when the block starts."""
    async with subscriptions(api.server, token=None) as ws:
        await ws.subscribe(query, {"skus": skus})
        await asyncio.sleep(0.2)  # the subscription is listening once its first await runs
        yield ws
