"""Click & collect checkout in a real browser: slots, checkout holds, the console's slot view, postal codes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from playwright.async_api import expect

from domain.access import Role
from tests.api.checkout import place
from tests.api.network import location, sync, update, upsert_locations
from tests.api.principals import token_for
from tests.browser.test_pages import sign_in
from tests.harness import ADMIN_TOKEN, Api

POLICY = """mutation($input: PickupSlotPolicyInput!) {
  upsertPickupSlotPolicy(input: $input) { userErrors { field message code } } }"""
SLOTS = """query($id: ID!, $from: DateTime!, $to: DateTime!) {
  location(id: $id) { pickupSlots(from: $from, to: $to) { startsAt capacity booked available } } }"""
ORDERS = "query { orders(first: 10) { edges { node { id status } } } }"


def mid_morning_zone(now: datetime | None = None) -> str:
    """A fixed-offset IANA zone where it is about 10:00 now, so "today" has slots left whatever the hour here."""
    offset = 10 - (now or datetime.now(UTC)).hour
    if offset < -12:
        offset += 24
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


async def slot_store(api: Api, capacity: int = 2) -> str:
    """Store s1 near Manhattan with hourly slots all day (in a zone where it is mid-morning), s2 without slots."""
    await upsert_locations(
        api,
        location("s1", name="Midtown store", geo={"lat": 40.75, "lon": -73.99}, turnaroundHours=1),
        location("s2", name="Brooklyn store", geo={"lat": 40.68, "lon": -73.94}),
    )
    await api.gql(
        "mutation($i: [ItemInput!]!) { upsertItems(input: $i) { count } }", {"i": [{"sku": "A", "category": "c"}]}
    )
    await sync(api, "SNAPSHOT", update("A", "s1", 20), update("A", "s2", 2))
    zone = mid_morning_zone()
    policy = {
        "locationId": "s1",
        "timezone": zone,
        "opensAt": "00:00",
        "closesAt": "23:59",
        "slotMinutes": 60,
        "capacityPerSlot": capacity,
        "leadMinutes": 0,
    }
    assert (await api.gql(POLICY, {"input": policy}))["upsertPickupSlotPolicy"]["userErrors"] == []
    return zone


async def slots(api: Api, location_id: str = "s1") -> dict[str, dict[str, Any]]:
    now = datetime.now(UTC)
    window = {"id": location_id, "from": now.isoformat(), "to": (now + timedelta(days=3)).isoformat()}
    found = (await api.gql(SLOTS, window, token=None))["location"]["pickupSlots"]
    return {s["startsAt"]: s for s in found}


def same_instant(a: str, b: str) -> bool:
    return datetime.fromisoformat(a.replace("Z", "+00:00")) == datetime.fromisoformat(b.replace("Z", "+00:00"))


async def booked(api: Api, starts_at: str) -> int:
    [found] = [s for at, s in (await slots(api)).items() if same_instant(at, starts_at)]
    return int(found["booked"])


def pickup(starts_at: str) -> dict[str, Any]:
    return {"method": "PICKUP", "pickupLocationId": "s1", "pickupSlotStartsAt": starts_at}


async def test_the_shopper_holds_a_pickup_slot_then_places_the_order_from_the_hold(api: Api, context: Any) -> None:
    await slot_store(api)
    api.server.resources.storefront_token = await token_for(api.server, Role.STOREFRONT, channels={"web"})
    shopper = await context.new_page()
    await shopper.goto(f"{api.server.base_url}/demo?sku=A")
    option = shopper.locator("#options li[data-method=PICKUP]")
    await expect(option).to_contain_text("next pickup time")
    await option.locator("button", has_text="Choose a pickup time").click()
    buttons = shopper.locator("#slots button.slot")
    await expect(buttons.first).to_be_visible()
    first, second = [await buttons.nth(i).get_attribute("data-starts-at") or "" for i in (0, 1)]
    await expect(buttons.first).to_contain_text("2 left")

    # someone else takes the second slot while the shopper looks: it is SLOT_FULL, in words, and then shown full
    for key in ("other-1", "other-2"):
        assert (await place(api, ADMIN_TOKEN, key=key, delivery=pickup(second)))["userErrors"] == []
    await shopper.locator(f"#slots button[data-starts-at='{second}']").click()
    await expect(shopper.locator("#message")).to_contain_text("That pickup time has just filled up")
    await expect(shopper.locator(f"#slots button[data-starts-at='{second}']")).to_be_disabled()

    # hold the first slot: a countdown, and the slot's booked count went up; cancel frees it
    await shopper.locator(f"#slots button[data-starts-at='{first}']").click()
    await expect(shopper.locator("#hold")).to_contain_text("Held for you")
    await expect(shopper.locator("#countdown")).to_have_text(re.compile(r"^1[45]:\d\d$"))  # 15 minutes by default
    await expect(shopper.locator(f"#slots button[data-starts-at='{first}']")).to_contain_text("held for you")
    assert await booked(api, first) == 1
    await shopper.click("#cancel-hold")
    await expect(shopper.locator("#message")).to_contain_text("Hold cancelled")
    assert await booked(api, first) == 0
    await expect(shopper.locator("#pickup")).not_to_have_attribute("aria-busy", "true")  # the listing is fresh
    await expect(shopper.locator(f"#slots button[data-starts-at='{first}']")).to_contain_text("2 left")

    await shopper.locator(f"#slots button[data-starts-at='{first}']").click()
    await expect(shopper.locator("#countdown")).to_be_visible()
    await shopper.locator("#place-hold").dblclick()  # a double click is one order
    await expect(shopper.locator("#order-status")).to_have_text("ALLOCATED")
    await expect(shopper.locator("#pickup")).to_be_hidden()
    order_id = await shopper.locator("#order-id").inner_text()
    orders = [e["node"]["id"] for e in (await api.gql(ORDERS))["orders"]["edges"]]
    assert order_id in orders and len(orders) == 3  # the two others' and the shopper's
    assert await booked(api, first) == 1  # the hold's place is the order's now


async def test_the_console_shows_todays_slots_of_the_store_and_an_empty_state_without_a_policy(
    api: Api, context: Any
) -> None:
    zone = await slot_store(api, capacity=3)
    upcoming = sorted(await slots(api))
    first = upcoming[0]
    manager = await token_for(api.server, Role.STORE_MANAGER, locations={"s1"})
    store = await context.new_page()
    await sign_in(store, api.server.base_url, manager, "s1")
    await store.click("nav [data-tab=slots]")
    view = store.locator("#pickup-slots")
    await expect(view).to_contain_text(zone)
    await expect(view).to_contain_text("60-minute slots, 3 orders each")
    row = view.locator(f"tr[data-starts-at='{first}']")
    await expect(row.locator("td.booked")).to_have_text("0")
    await expect(row.locator("td.available")).to_have_text("3")
    local_today = datetime.now(UTC).astimezone(ZoneInfo(zone)).date()
    today_slots = [s for s in upcoming if datetime.fromisoformat(s).astimezone(ZoneInfo(zone)).date() == local_today]
    await expect(view.locator("tr[data-starts-at]")).to_have_count(len(today_slots))  # today's, none of tomorrow's

    assert (await place(api, ADMIN_TOKEN, key="o1", delivery=pickup(first)))["userErrors"] == []
    await store.click("#refresh-slots")
    await expect(row.locator("td.booked")).to_have_text("1")
    await expect(row.locator("td.available")).to_have_text("2")

    other = await context.new_page()
    await sign_in(other, api.server.base_url, await token_for(api.server, Role.STORE_MANAGER, locations={"s2"}), "s2")
    await other.click("nav [data-tab=slots]")
    await expect(other.locator("[data-testid=no-policy]")).to_contain_text("Brooklyn store has no pickup slot policy")


async def test_a_postal_code_gives_options_and_an_unknown_one_is_said_plainly(api: Api, context: Any) -> None:
    """Needs postal-code destinations (contract section 7), which land from another branch."""
    await slot_store(api)
    api.server.resources.storefront_token = await token_for(api.server, Role.STOREFRONT, channels={"web"})
    shopper = await context.new_page()
    await shopper.goto(f"{api.server.base_url}/demo?sku=A")
    await expect(shopper.locator("#options li[data-method=SHIP]")).to_be_visible()
    await shopper.fill("#postal", "10001")
    await shopper.select_option("#country", "US")
    await shopper.click("#shopper button[type=submit]")
    await expect(shopper.locator("#title")).to_contain_text("10001 (US)")
    await expect(shopper.locator("#stores")).to_contain_text("Midtown store")
    await expect(shopper.locator("#stores")).to_contain_text("near 10001")
    await expect(shopper.locator("#options li[data-method=SHIP] button")).to_be_visible()
    await expect(shopper.locator("#options li[data-method=PICKUP] button")).to_be_visible()
    await expect(shopper.locator("#message")).to_be_hidden()

    await shopper.fill("#postal", "00000")
    await shopper.click("#shopper button[type=submit]")
    await expect(shopper.locator("#message")).to_contain_text("We could not find postal code 00000 in US")
    await expect(shopper.locator("#options li")).to_have_count(0)
