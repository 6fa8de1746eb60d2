"""The store, pick process, orders and operations the pick-and-pack API tests share."""

from __future__ import annotations

from typing import Any

from tests.api.network import location, sync, update, upsert_locations
from tests.api.test_orders_api import PLACE, order_input
from tests.harness import Api

PROCESS = """mutation($input: PickProcessInput!) { upsertPickProcess(input: $input) {
  process { id mode steps } userErrors { field code message } } }"""
GENERATE = """mutation($loc: ID!) { generatePickLists(locationId: $loc) {
  pickLists { id mode status location { id }
    lines { id sku quantity picked shortQuantity shortReason fulfillmentId orderId group slot }
    items { sku quantity lines { fulfillmentId quantity slot } } }
  userErrors { field code message } } }"""
CONFIRM = """mutation($input: PickConfirmationInput!) { confirmPick(input: $input) {
  pickList { id status lines { id sku picked shortQuantity shortReason } } userErrors { field code message } } }"""
FULFILLMENT = """fulfillment { id status nextStep trackingNumber steps { step status by reason } }
  userErrors { field code message }"""
COMPLETE_STEP = (
    f"""mutation($id: ID!, $step: String!) {{ completeStep(fulfillmentId: $id, step: $step) {{ {FULFILLMENT} }} }}"""
)
SKIP_STEP = f"""mutation($id: ID!, $step: String!, $why: String!) {{
  skipStep(fulfillmentId: $id, step: $step, reason: $why) {{ {FULFILLMENT} }} }}"""
HAND_OVER = f"""mutation($id: ID!, $tracking: String) {{
  handOver(fulfillmentId: $id, trackingNumber: $tracking) {{ {FULFILLMENT} }} }}"""
COLLECT = f"""mutation($id: ID!, $code: String!) {{
  confirmCollection(fulfillmentId: $id, code: $code) {{ {FULFILLMENT} }} }}"""
ORDER = """query($id: ID!) { order(id: $id) { id status events { type status message }
  fulfillments { id status location { id } lines { sku quantity } nextStep deliveredAt } } }"""
TASKS = """query($orderId: ID) { tasks(orderId: $orderId) { edges { node { id type status location { id } } } } }"""
COMPLETE_TASK = """mutation($id: ID!, $outcome: String!) { completeTask(id: $id, outcome: $outcome) {
  task { id status outcome } userErrors { field code message } } }"""
ACCURACY = """query { locations(market: "US") { id pickAccuracy onTimeRate performance } }"""


def process(pid: str = "fashion", **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": pid,
        "mode": "ORDER",
        "scanToPick": False,
        "shortPickPolicy": "RESOLVE_LATER",
        "steps": ["PICK", "PACK", "HANDOVER"],
        "reasonCodes": ["NOT_FOUND", "DAMAGED", "WRONG_ITEM"],
    }
    return base | overrides


async def store(api: Api, pick_process: dict[str, Any], *, stock: int = 10, backup: int = 0) -> None:
    """Store s1 running `pick_process`, a backup store s2, items A-D with barcodes, zones and categories."""
    assert (await api.gql(PROCESS, {"input": pick_process}))["upsertPickProcess"]["userErrors"] == []
    await upsert_locations(
        api,
        location("s1", pickProcessId=pick_process["id"], priority=10),
        location("s2", geo={"lat": 40.8, "lon": -74.1}),
    )
    items = [
        {"sku": "A", "category": "shoes", "zone": "z2", "barcodes": ["0001"]},
        {"sku": "B", "category": "bags", "zone": "z1", "barcodes": ["0002"]},
        {"sku": "C", "category": "shoes", "zone": "z3", "barcodes": ["0003"]},
        {"sku": "D", "category": "hats", "zone": "z1", "barcodes": ["0004"]},
    ]
    await api.gql("mutation($i: [ItemInput!]!) { upsertItems(input: $i) { count } }", {"i": items})
    updates = [update(sku, "s1", stock) for sku in "ABCD"]
    if backup:
        updates += [update(sku, "s2", backup) for sku in "ABCD"]
    await sync(api, "SNAPSHOT", *updates)


async def place(api: Api, key: str, lines: list[tuple[str, int]], **extra: Any) -> dict[str, Any]:
    result = (await api.gql(PLACE, {"input": order_input(key=key, lines=lines, **extra)}))["placeOrder"]
    assert result["userErrors"] == [], result
    return dict(result["order"])


async def six_orders(api: Api) -> list[str]:
    carts = [[("A", 1), ("B", 1)], [("C", 2)], [("A", 1)], [("B", 1), ("D", 1)], [("D", 3)], [("A", 1), ("C", 1)]]
    return [(await place(api, f"six-{n}", cart))["id"] for n, cart in enumerate(carts)]


async def generate(api: Api, loc: str = "s1") -> list[dict[str, Any]]:
    result = (await api.gql(GENERATE, {"loc": loc}))["generatePickLists"]
    assert result["userErrors"] == []
    return list(result["pickLists"])


async def confirm(api: Api, list_id: str, *lines: dict[str, Any]) -> dict[str, Any]:
    return dict((await api.gql(CONFIRM, {"input": {"pickListId": list_id, "lines": list(lines)}}))["confirmPick"])


async def order(api: Api, order_id: str) -> dict[str, Any]:
    return dict((await api.gql(ORDER, {"id": order_id}))["order"])


def walk(pick_list: dict[str, Any], orders: list[str]) -> list[tuple[str, int, str]]:
    return [(x["sku"], orders.index(x["orderId"]) + 1, x["group"]) for x in pick_list["lines"]]
