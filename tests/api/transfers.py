"""The network, profile and operations the ship-to-store transfer tests share (API and browser)."""

from __future__ import annotations

from typing import Any

from tests.api.network import location, sync, update, upsert_locations
from tests.api.picking import COMPLETE_STEP, HAND_OVER, PROCESS, confirm, generate, process
from tests.api.test_orders_api import PLACE, order_input
from tests.harness import Api

PHILADELPHIA = {"lat": 39.95, "lon": -75.16}  # about 130 km from the New York stores: one day in transit
PROFILE = """mutation($input: SourcingProfileInput!) { upsertSourcingProfile(input: $input) {
  profile { id allowTransfers } userErrors { field code message } } }"""
OPTIONS = """query($input: FulfillmentOptionsInput!) { fulfillmentOptions(input: $input) {
  method location { id } transferFrom { id } available splitCount readyBy etaHours
  plan { explanation allocations { location { id } sku quantity } unallocated { sku quantity } } } }"""
TRANSFER_FIELDS = """fulfillment { id status transferFrom { id } location { id } }
  userErrors { field code message }"""
RECEIVE = f"""mutation($id: ID!) {{ receiveTransfer(fulfillmentId: $id) {{ {TRANSFER_FIELDS} }} }}"""
ORDER = """query($id: ID!) { order(id: $id) { id status events { type status message }
  plan { explanation }
  fulfillments { id status method location { id } transferFrom { id } transferTo { id } lines { sku quantity } } } }"""


async def network(api: Api, *, allow: bool = True, stock: int = 10) -> None:
    """Stores s1 (none of A, some B) and s2 in New York, warehouse w1 in Philadelphia with A;
    the default profile allows transfers when `allow`."""
    assert (await api.gql(PROCESS, {"input": process()}))["upsertPickProcess"]["userErrors"] == []
    await upsert_locations(
        api,
        location("s1", pickProcessId="fashion", turnaroundHours=2),
        location("s2", geo={"lat": 40.8, "lon": -74.1}, pickProcessId="fashion"),
        location("w1", type="WAREHOUSE", capabilities=["SHIP"], geo=PHILADELPHIA, pickProcessId="fashion"),
    )
    items = [{"sku": "A", "category": "shoes"}, {"sku": "B", "category": "bags"}]
    await api.gql("mutation($i: [ItemInput!]!) { upsertItems(input: $i) { count } }", {"i": items})
    await sync(api, "SNAPSHOT", update("A", "w1", stock), update("B", "s1", 5))
    await allow_transfers(api, allow)


async def allow_transfers(api: Api, allow: bool, **profile: Any) -> None:
    settings = {"id": "default", "allowTransfers": allow} | profile
    result = (await api.gql(PROFILE, {"input": settings}))["upsertSourcingProfile"]
    assert result["userErrors"] == [] and result["profile"]["allowTransfers"] is allow


def pickup_input(key: str, lines: list[tuple[str, int]] | None = None, store: str = "s1") -> dict[str, Any]:
    return order_input(key=key, lines=lines or [("A", 2)], delivery={"method": "PICKUP", "pickupLocationId": store})


async def place_pickup(api: Api, key: str, lines: list[tuple[str, int]] | None = None) -> dict[str, Any]:
    result = (await api.gql(PLACE, {"input": pickup_input(key, lines)}))["placeOrder"]
    assert result["userErrors"] == [], result
    return dict(result["order"])


async def order(api: Api, order_id: str) -> dict[str, Any]:
    return dict((await api.gql(ORDER, {"id": order_id}))["order"])


def legs(found: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the transfer leg at the source, the pickup at the store)."""
    [leg] = [f for f in found["fulfillments"] if f["transferTo"]]
    [pickup] = [f for f in found["fulfillments"] if f["transferFrom"]]
    return leg, pickup


async def ship_leg(api: Api, leg_id: str) -> dict[str, Any]:
    """The source picks, packs and ships the leg through the pick flow."""
    [pick_list] = [x for x in await generate(api, "w1") if any(ln["fulfillmentId"] == leg_id for ln in x["lines"])]
    line = next(ln for ln in pick_list["lines"] if ln["fulfillmentId"] == leg_id)
    await confirm(api, pick_list["id"], {"pickLineId": line["id"], "quantity": line["quantity"]})
    packed = (await api.gql(COMPLETE_STEP, {"id": leg_id, "step": "PACK"}))["completeStep"]
    assert packed["userErrors"] == [] and packed["fulfillment"]["status"] == "PACKED"
    shipped = (await api.gql(HAND_OVER, {"id": leg_id, "tracking": "TRK-1"}))["handOver"]
    assert shipped["userErrors"] == [], shipped
    return dict(shipped["fulfillment"])
