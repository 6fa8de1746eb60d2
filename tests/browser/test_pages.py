"""The storefront demo and the store console in a real browser, against the real server."""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import expect

from domain.access import Role
from tests.api.network import location, sync, update, upsert_locations
from tests.api.principals import token_for
from tests.api.test_orders_api import PLACE, order_input
from tests.browser.conftest import screenshot_path
from tests.harness import Api

PROCESS = """mutation($input: PickProcessInput!) { upsertPickProcess(input: $input) { userErrors { message } } }"""
ORDERS = "query { orders(first: 10) { edges { node { id status } } } }"


async def shop(api: Api) -> None:
    """Store s1 near Manhattan, scanning per order; items A (barcode 0001) and B, related."""
    process = {
        "id": "scan",
        "mode": "ORDER",
        "scanToPick": True,
        "shortPickPolicy": "RESOLVE_LATER",
        "steps": ["PICK", "VAS", "PACK", "HANDOVER"],
        "reasonCodes": ["NOT_FOUND", "DAMAGED"],
    }
    assert (await api.gql(PROCESS, {"input": process}))["upsertPickProcess"]["userErrors"] == []
    await upsert_locations(
        api,
        location("s1", name="Midtown store", geo={"lat": 40.75, "lon": -73.99}, pickProcessId="scan"),
        location("s2", name="Brooklyn store", geo={"lat": 40.68, "lon": -73.94}),
    )
    items = [
        {"sku": "A", "category": "shoes", "barcodes": ["0001"]},
        {"sku": "B", "category": "socks", "barcodes": ["0002"]},
    ]
    await api.gql("mutation($i: [ItemInput!]!) { upsertItems(input: $i) { count } }", {"i": items})
    relation = [{"sku": "A", "relatedSku": "B", "kind": "ACCESSORY", "weight": 2.0}]
    await api.gql(
        "mutation($i: [ProductRelationInput!]!) { upsertProductRelations(input: $i) { count } }", {"i": relation}
    )
    await sync(api, "SNAPSHOT", update("A", "s1", 5), update("B", "s1", 3), update("A", "s2", 1))


async def sign_in(page: Any, base: str, token: str, store: str) -> None:
    await page.goto(f"{base}/console")
    await page.fill("#token", token)
    await page.fill("#location", store)
    await page.click("#signin-form button[type=submit]")
    await expect(page.locator("#workspace")).to_be_visible()


async def test_an_order_placed_on_the_demo_is_picked_packed_and_shipped_in_the_console(api: Api, context: Any) -> None:
    await shop(api)
    api.server.resources.storefront_token = await token_for(api.server, Role.STOREFRONT, channels={"web"})
    associate = await token_for(api.server, Role.STORE_ASSOCIATE, locations={"s1"})
    base = api.server.base_url
    shopper = await context.new_page()
    await shopper.goto(f"{base}/demo?sku=A")
    await expect(shopper.locator("#stores")).to_contain_text("Midtown store")
    await expect(shopper.locator("#stores")).to_contain_text("5 in stock")
    await expect(shopper.locator("#recommendations")).to_contain_text("B")
    if path := screenshot_path("demo-product"):
        await shopper.screenshot(path=str(path), full_page=True)
    ship = shopper.locator("#options li[data-method=SHIP] button")
    await ship.dblclick()  # a double click is one checkout attempt: one order
    await expect(shopper.locator("#order-status")).to_have_text("ALLOCATED")
    order_id = await shopper.locator("#order-id").inner_text()
    orders = (await api.gql(ORDERS))["orders"]["edges"]
    assert [e["node"]["id"] for e in orders] == [order_id]

    store = await context.new_page()
    await sign_in(store, base, associate, "s1")
    await store.click("nav [data-tab=pick]")
    await store.click("#generate")
    await store.locator("#lists button").first.click()
    await expect(store.locator("#pick-form")).to_contain_text("Pick A \u00d7 1")
    await store.fill("#scan", "0002")  # the wrong item: a keyboard-wedge scanner types and presses Enter
    await store.press("#scan", "Enter")
    await expect(store.locator("#message")).to_have_class(re.compile("error"))
    await expect(store.locator("#message")).to_contain_text("Barcode 0002 is not A")
    await expect(store.locator("table.lines tr.current")).to_contain_text("A")  # nothing changed
    if path := screenshot_path("console-pick"):
        await store.screenshot(path=str(path), full_page=True)
    await store.fill("#scan", "0001")
    await store.press("#scan", "Enter")
    await expect(store.locator("#picking")).to_contain_text("List complete")

    await store.click("nav [data-tab=pack]")
    row = store.locator(f"li[data-order-id='{order_id}']")
    await expect(row.locator("button")).to_have_text(["Complete PACK", "Skip PACK"])  # only the next step is offered
    await row.locator("button", has_text="Skip PACK").click()  # the reason prompt is dismissed: nothing happens
    await expect(row.locator("button")).to_have_text(["Complete PACK", "Skip PACK"])
    await row.locator("button", has_text="Complete PACK").click()
    await expect(row.locator("button")).to_have_text(["Hand over to carrier"])
    await row.locator("input.tracking").fill("1Z999AA1")
    await row.locator("button", has_text="Hand over to carrier").click()
    await expect(store.locator("#message")).to_contain_text("SHIPPED")

    await expect(shopper.locator("#order-status")).to_have_text("FULFILLED")  # live, through orderStatusChanged
    await expect(shopper.locator("#order-events")).to_contain_text("Shipped from s1")
    if path := screenshot_path("demo-confirmation"):
        await shopper.screenshot(path=str(path), full_page=True)


async def test_the_inbox_shows_a_new_task_and_its_escalation_live(api: Api, context: Any) -> None:
    await shop(api)
    policy = """mutation { upsertTaskPolicy(input: {taskType: "VAS", slaMinutes: 0.03,
        escalateToRoles: ["STORE_ASSOCIATE", "STORE_MANAGER"]}) { userErrors { message } } }"""
    assert (await api.gql(policy))["upsertTaskPolicy"]["userErrors"] == []
    store = await context.new_page()
    manager = await token_for(api.server, Role.STORE_MANAGER, locations={"s1"})
    await sign_in(store, api.server.base_url, manager, "s1")
    await expect(store.locator("#tasks")).to_contain_text("Nothing to do")
    lines = [{"sku": "A", "quantity": 1, "unitPrice": 10.0, "services": ["gift wrap"]}]
    placed = (await api.gql(PLACE, {"input": order_input(key="gift") | {"lines": lines}}))["placeOrder"]
    assert placed["userErrors"] == []
    task = store.locator("li[data-type=VAS]")
    await expect(task).to_contain_text("gift wrap for A x1")  # arrived through taskEvents, no reload
    await expect(task.locator("[data-testid=escalated]")).to_contain_text("STORE_MANAGER", timeout=15_000)
    await expect(store.locator("#message")).to_contain_text("VAS escalated to STORE_MANAGER")
    if path := screenshot_path("console-tasks"):
        await store.screenshot(path=str(path), full_page=True)
    await task.locator("button", has_text="Claim").click()
    await expect(task).to_contain_text("CLAIMED")
    await task.locator("button", has_text="DONE").click()
    await expect(store.locator("#tasks")).to_contain_text("Nothing to do")


async def test_wrong_collection_codes_lock_the_parcel_until_a_manager_sends_a_new_code(api: Api, context: Any) -> None:
    await shop(api)
    pickup = {"method": "PICKUP", "pickupLocationId": "s1"}
    placed = await api.gql(PLACE, {"input": order_input(key="collect", lines=[("A", 1)], delivery=pickup)})
    order_id = placed["placeOrder"]["order"]["id"]
    lists = 'mutation { generatePickLists(locationId: "s1") { pickLists { id lines { id fulfillmentId } } } }'
    [pick_list] = (await api.gql(lists))["generatePickLists"]["pickLists"]
    line, fid = pick_list["lines"][0]["id"], pick_list["lines"][0]["fulfillmentId"]
    confirm = """mutation($input: PickConfirmationInput!) { confirmPick(input: $input) { userErrors { message } } }"""
    lines = [{"pickLineId": line, "quantity": 1, "scannedBarcode": "0001"}]
    await api.gql(confirm, {"input": {"pickListId": pick_list["id"], "lines": lines}})
    await api.gql(
        'mutation($id: ID!) { completeStep(fulfillmentId: $id, step: "PACK") { userErrors { message } } }', {"id": fid}
    )
    await api.gql("mutation($id: ID!) { handOver(fulfillmentId: $id) { userErrors { message } } }", {"id": fid})

    associate = await context.new_page()
    await sign_in(
        associate, api.server.base_url, await token_for(api.server, Role.STORE_ASSOCIATE, locations={"s1"}), "s1"
    )
    await expect(associate.locator("#who")).to_contain_text("store associate")
    await associate.click("nav [data-tab=pack]")
    their_row = associate.locator(f"li[data-order-id='{order_id}']")
    await expect(their_row.locator("button")).to_have_text(["Collected"])  # no button their role cannot use

    store = await context.new_page()
    manager = await token_for(api.server, Role.STORE_MANAGER, locations={"s1"})
    await sign_in(store, api.server.base_url, manager, "s1")
    await expect(store.locator("#who")).to_contain_text("store manager")
    await store.click("nav [data-tab=pack]")
    row = store.locator(f"li[data-order-id='{order_id}']")
    await expect(row.locator("button")).to_have_text(["Collected", "Send a new code"])
    for left in (4, 3, 2, 1):
        await row.locator("input.code").fill("not-the-code")
        await row.locator("button", has_text="Collected").click()
        await expect(store.locator("#message")).to_contain_text(f"{left} attempt")
    await row.locator("input.code").fill("not-the-code")
    await row.locator("button", has_text="Collected").click()
    await expect(row.locator(".locked")).to_contain_text("Locked after wrong codes")
    await expect(row.locator("input.code")).to_have_count(0)  # nothing left to type a code into
    await row.locator("button", has_text="Send a new code").click()
    await expect(row.locator("input.code")).to_have_count(1)
    await expect(row.locator(".locked")).to_have_count(0)
