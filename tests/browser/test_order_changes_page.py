"""The console's Orders and Pre-orders tabs: a store sees each edit of its orders with who and why, and its
manager sees the pre-order report (an associate, who may not read it, has no such tab)."""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from domain.access import Role
from tests.api import test_preorders_api as preorders
from tests.api.principals import token_for
from tests.api.test_edit_order_api import add, edit, network, place
from tests.browser.test_pages import sign_in
from tests.harness import Api


async def test_a_store_sees_the_edits_of_its_orders_with_who_and_why(api: Api, context: Any) -> None:
    await network(api)
    edited = await place(api, key="edited", lines=[("A", 2)])
    await place(api, key="plain", lines=[("C", 1)])
    result = await edit(api, edited, addLines=add("B", 1), reason="customer called: add a case")
    assert result["userErrors"] == [], result
    clerk = await token_for(api.server, Role.STORE_ASSOCIATE, locations={"near"})
    page = await context.new_page()
    await sign_in(page, api.server.base_url, clerk, "near")
    await expect(page.locator("#preorders-tab")).to_be_hidden()  # an associate may not read the pre-order report
    await page.click("nav.tabs [data-tab=orders]")
    card = page.locator(f"article.order[data-order-id='{edited['id']}']")
    await expect(card.locator("[data-testid=edit-history] li")).to_have_count(1)
    await expect(card.locator("[data-testid=edit-history]")).to_contain_text("customer called: add a case")
    await expect(card.locator("[data-testid=edit-history]")).to_contain_text("admin")
    await expect(card.locator("table.lines")).to_contain_text(f"{edited['id']}:2")
    await expect(page.locator("article.order")).to_have_count(2)
    await page.check("#edited-only")
    await expect(page.locator("article.order")).to_have_count(1)
    await expect(page.locator("article.order")).to_have_attribute("data-order-id", edited["id"])


async def test_a_manager_reads_the_pre_order_report_in_the_console(api: Api, context: Any) -> None:
    await preorders.launch(api, units=3, limit=10)
    for key in ("p1", "p2"):
        assert (await preorders.place(api, key, quantity=2))["userErrors"] == []
    manager = await token_for(api.server, Role.STORE_MANAGER, locations={"s1"})
    page = await context.new_page()
    await sign_in(page, api.server.base_url, manager, "s1")
    await page.click("#preorders-tab")
    row = page.locator("[data-testid=preorder-report] tr[data-sku=A]")
    await expect(row.locator(".preordered")).to_have_text("4")
    await expect(row.locator(".waiting")).to_have_text("4")
    await expect(row.locator(".backlog")).to_contain_text("4 units on 2 order(s)")
