"""The console receives a ship-to-store transfer by scanning the store's pickup id."""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from domain.access import Role
from tests.api.principals import token_for
from tests.api.transfers import legs, network, order, place_pickup, ship_leg
from tests.browser.test_pages import sign_in
from tests.harness import Api


async def test_store_staff_scan_an_arrived_transfer_and_it_becomes_ready_for_collection(api: Api, context: Any) -> None:
    await network(api)
    placed = await place_pickup(api, "browser")
    leg, pickup = legs(await order(api, placed["id"]))
    await ship_leg(api, leg["id"])
    associate = await token_for(api.server, Role.STORE_ASSOCIATE, locations={"s1"})
    page = await context.new_page()
    await sign_in(page, api.server.base_url, associate, "s1")
    await page.click("nav.tabs [data-tab=pack]")
    incoming = page.locator("[data-testid=incoming]")
    await expect(incoming).to_contain_text(pickup["id"])
    await expect(incoming).to_contain_text("from Location w1")
    await page.fill("#receive-scan", "ful_not_here")
    await page.click("#receive-form button[type=submit]")
    await expect(page.locator("#message")).to_contain_text("Not allowed to act on this fulfillment")  # not ours
    await page.fill("#receive-scan", pickup["id"])
    await page.press("#receive-scan", "Enter")  # a scanner ends with Enter
    await expect(page.locator("#message")).to_contain_text(f"Transfer received: {pickup['id']} is READY_FOR_COLLECTION")
    await expect(incoming).to_contain_text("No transfers on their way here.")
    ready = page.locator(f"[data-testid=fulfillments] li[data-fulfillment-id='{pickup['id']}']")
    await expect(ready).to_contain_text("READY_FOR_COLLECTION")
    await expect(page.locator("#receive-scan")).to_have_value("")
    found = await order(api, placed["id"])
    assert {(f["location"]["id"], f["status"]) for f in found["fulfillments"]} == {
        ("w1", "RECEIVED"),
        ("s1", "READY_FOR_COLLECTION"),
    }
