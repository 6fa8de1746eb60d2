"""The reports page: four weeks of history over six stores, drawn as charts in Chromium, the same numbers
as the API, a store manager limited to their store, and the CSV downloaded with the token."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.async_api import expect

from app import history
from app.services import reporting
from app.services.uow import utc_now
from app.store import catalog
from app.store import history as history_store
from domain.access import Role
from tests.api.network import location, upsert_locations
from tests.api.principals import token_for
from tests.browser.conftest import screenshot_path
from tests.harness import ADMIN_TOKEN, Api

STORES = [f"store-{n:03d}" for n in range(1, 7)]
TOTALS = """query($input: OperationsReportInput!) { operationsReport(input: $input) { totals { orders } } }"""


async def four_weeks(api: Api) -> None:
    """Six stores, items, and 28 days of seeded history, rolled up."""
    await upsert_locations(api, *(location(x, name=f"Store {x[-1]}") for x in STORES))
    items = [{"sku": f"SKU-{n:03d}", "category": "c"} for n in range(20)]
    await api.gql("mutation($i: [ItemInput!]!) { upsertItems(input: $i) { count } }", {"i": items})
    resources = api.server.resources
    uow = resources.uow()
    async with uow:
        found = await catalog.all_locations(uow.conn)
        rows = history.generate(found, [x["sku"] for x in items], uow.now, days=28)
        await history_store.insert(uow.conn, rows.tables)
    assert rows.count("orders") > 300
    await reporting.roll_up(resources, utc_now() + reporting.SETTLE)


async def shown_orders(page: Any) -> int:
    return int((await page.locator("[data-testid=total-orders] strong").inner_text()).replace(",", ""))


async def api_orders(api: Api, page: Any, location_ids: list[str] | None = None) -> int:
    """The report's total for the page's range, asked of the API directly."""
    start = datetime.fromisoformat(await page.input_value("#from") + "T00:00:00+00:00")
    end = datetime.fromisoformat(await page.input_value("#to") + "T00:00:00+00:00") + timedelta(days=1)
    query = {"from": start.isoformat(), "to": end.isoformat(), "granularity": "DAY", "locationIds": location_ids}
    return int((await api.gql(TOTALS, {"input": query}))["operationsReport"]["totals"]["orders"])


async def open_reports(context: Any, base_url: str, token: str) -> Any:
    page = await context.new_page()
    await page.goto(f"{base_url}/console/reports")
    await page.fill("#token", token)
    await page.click("#signin-form button")
    return page


async def test_the_reports_page_draws_four_weeks_of_orders_per_day_and_per_store(api: Api, context: Any) -> None:
    await four_weeks(api)
    page = await open_reports(context, api.server.base_url, ADMIN_TOKEN)
    orders_chart = page.locator("[data-testid=orders-chart]")
    await expect(orders_chart.locator("canvas")).to_have_count(1)
    await expect(orders_chart).to_have_attribute("data-points", "28")  # 27 days back to today, inclusive
    await expect(page.locator("[data-testid=rates-chart] canvas")).to_have_count(1)
    await expect(page.locator("[data-testid=stores-chart]")).to_have_attribute("data-points", str(len(STORES)))
    expected = await api_orders(api, page)
    assert await shown_orders(page) == expected > 300
    if path := screenshot_path("console-reports"):
        await page.screenshot(path=str(path), full_page=True)
    await page.select_option("#granularity", "HOUR")
    await page.click("#filters button[type=submit]")
    await expect(orders_chart).to_have_attribute("data-points", str(28 * 24))
    async with page.expect_download() as download:
        await page.click("[data-testid=csv]")
    saved = await (await download.value).path()
    lines = (await asyncio.to_thread(Path(str(saved)).read_text, encoding="utf-8")).splitlines()
    assert lines[0].startswith("start,orders,units,fill_rate") and len(lines) == 28 * 24 + 2
    assert lines[-1].split(",")[1] == str(expected)


async def test_a_store_manager_sees_only_their_store_in_the_filter_and_the_numbers(api: Api, context: Any) -> None:
    await four_weeks(api)
    manager = await token_for(api.server, Role.STORE_MANAGER, locations={"store-002"})
    page = await open_reports(context, api.server.base_url, manager)
    await expect(page.locator("#stores option")).to_have_count(1)
    await expect(page.locator("#stores option")).to_have_attribute("value", "store-002")
    await expect(page.locator("[data-testid=stores-chart]")).to_have_attribute("data-points", "1")
    shown = await shown_orders(page)
    assert shown == await api_orders(api, page, ["store-002"]) > 0
    assert shown < await api_orders(api, page)
