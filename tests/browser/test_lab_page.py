"""The console's decision lab: an admin runs a draft profile on past orders, watches it finish, compares the KPIs,
opens a changed order's two explanations and saves the draft; a store manager never sees the lab."""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from domain.access import Role
from tests.api.principals import token_for
from tests.api.test_edit_order_api import network
from tests.api.test_edit_order_api import place as place_order
from tests.browser.test_pages import sign_in
from tests.harness import ADMIN_TOKEN, Api

PROFILES = "{ sourcingProfiles { id weights { stockDepth distance } } }"


async def test_an_admin_runs_a_draft_compares_it_and_saves_it(api: Api, context: Any) -> None:
    await network(api, near=5, far=50)
    for n in range(4):
        await place_order(api, f"o{n}", [("A", 2)])
    page = await context.new_page()
    await sign_in(page, api.server.base_url, ADMIN_TOKEN, "near")
    lab = page.locator("[data-testid=lab]")
    await expect(lab).to_be_visible()
    await page.fill("#lab-profile", "deep")
    for name in ("distance", "priority", "turnaround", "capacity", "cost", "performance"):
        await page.fill(f"#lab-w-{name}", "0")
    await page.fill("#lab-w-stockDepth", "1")
    await page.click("#lab-run")
    await expect(page.locator("[data-testid=lab-status]")).to_contain_text("SUCCEEDED", timeout=15_000)
    kpis = page.locator("[data-testid=lab-kpis]")
    await expect(kpis.locator("[data-kpi=ordersFullyServed] .draft")).to_have_text("4")
    await expect(kpis.locator("[data-kpi=ordersFullyServed] .baseline")).to_have_text("4")
    await expect(kpis.locator("[data-kpi=averageDistanceKm]")).to_have_class("worse")  # far is far away
    first = page.locator("[data-testid=lab-differences] details").first
    await expect(first.locator("summary")).to_contain_text("@ far instead of")
    await first.locator("summary").click()
    await expect(first.locator("li").first).to_be_visible()
    await page.click("#lab-save")
    await expect(page.locator("#message")).to_contain_text("Profile deep saved")
    saved = {p["id"]: p for p in (await api.gql(PROFILES))["sourcingProfiles"]}
    assert saved["deep"]["weights"] == {"stockDepth": 1.0, "distance": 0.0}


async def test_a_store_manager_does_not_see_the_lab(api: Api, context: Any) -> None:
    await network(api)
    manager = await token_for(api.server, Role.STORE_MANAGER, locations={"near"})
    page = await context.new_page()
    await sign_in(page, api.server.base_url, manager, "near")
    await expect(page.locator("[data-testid=store-state]")).to_be_visible()
    await page.wait_for_timeout(300)
    await expect(page.locator("[data-testid=lab]")).to_be_hidden()
