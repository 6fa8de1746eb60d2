"""The console's open/closed bar: a store manager closes the store with a reason and reopens it."""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from domain.access import Role
from tests.api.network import availability
from tests.api.principals import token_for
from tests.api.test_orders_api import PLACE, order_input
from tests.browser.test_pages import shop, sign_in
from tests.harness import Api

ORDER = """query($id: ID!) { order(id: $id) { fulfillments { status location { id } } } }"""


async def test_a_manager_closes_the_store_with_a_reason_and_reopens_it(api: Api, context: Any) -> None:
    await shop(api)
    placed = await api.gql(PLACE, {"input": order_input(key="moves", lines=[("A", 1)])})
    order_id = placed["placeOrder"]["order"]["id"]
    manager = await token_for(api.server, Role.STORE_MANAGER, locations={"s1"})
    page = await context.new_page()
    await sign_in(page, api.server.base_url, manager, "s1")
    status = page.locator("[data-testid=store-active]")
    await expect(status).to_have_text("OPEN")
    await page.click("#store-toggle")  # no reason: refused, nothing changes
    await expect(page.locator("#message")).to_contain_text("Give a reason")
    await expect(status).to_have_text("OPEN")
    await page.fill("#store-reason", "burst pipe")
    await page.click("#store-toggle")
    await expect(status).to_have_text("CLOSED")
    await expect(page.locator("#message")).to_contain_text("Store closed: 1 moved elsewhere")
    found = (await api.gql(ORDER, {"id": order_id}))["order"]["fulfillments"]
    assert {(f["location"]["id"], f["status"]) for f in found} == {("s1", "CANCELLED"), ("s2", "AWAITING_PICK")}
    assert (await availability(api, ["B"], ids=["s1"]))[0]["atp"] == 0
    await page.fill("#store-reason", "dry again")
    await page.click("#store-toggle")
    await expect(status).to_have_text("OPEN")
    assert (await availability(api, ["B"], ids=["s1"]))[0]["atp"] == 3


async def test_an_associate_sees_the_state_but_gets_no_button(api: Api, context: Any) -> None:
    await shop(api)
    associate = await token_for(api.server, Role.STORE_ASSOCIATE, locations={"s1"})
    page = await context.new_page()
    await sign_in(page, api.server.base_url, associate, "s1")
    await expect(page.locator("[data-testid=store-active]")).to_have_text("OPEN")
    await expect(page.locator("#store-toggle")).to_be_hidden()
