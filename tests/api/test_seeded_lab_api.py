"""The seeded demo's history makes the lab meaningful: its orders replay against the stock they saw (the ledger
has a past agreeing with them and with today's positions), availability as of a past moment is what the
ledger said then, stock accuracy has counts to score, and the busiest stores exceed their daily capacity."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from app.services.seed import seed_demo
from app.services.seed_history import NEAREST, seed_history
from app.services.uow import utc_now
from app.store.tables.ledger import inventory_ledger, rule_versions
from app.store.tables.orders import orders
from tests.api.test_inventory_ledger_api import matches_positions
from tests.api.test_sourcing_simulation_api import SIMULATE, finished
from tests.harness import Api

DAYS = 14
ACCURACY = """query($from: DateTime!, $to: DateTime!) { stockAccuracy(from: $from, to: $to) {
  location { id } checks matched score shortPicks corrections } }"""
AS_OF = """query($skus: [String!]!, $at: DateTime) {
  availability(skus: $skus, channel: "web", market: "US", asOf: $at) {
    sku locations { location { id } onHand reserved } } }"""
NEAREST_WEIGHTS = {
    "distance": 4.0,
    "priority": 0.2,
    "turnaround": 0.2,
    "capacity": 0.2,
    "stockDepth": 0.1,
    "cost": 0.2,
    "performance": 0.5,
}


async def seeded(api: Api) -> tuple[Any, Any]:
    resources = api.server.resources
    await seed_demo(resources.uow(), sku_count=300)
    counts = await seed_history(resources.uow(), days=DAYS)
    assert counts["past orders"] > 500 and counts["ledger rows"] > counts["past orders"]
    async with resources.db.read() as conn:
        return (await conn.execute(select(func.min(orders.c.created_at), func.max(orders.c.created_at)))).one()


async def test_the_seeded_window_replays_under_a_second_profile_against_the_stock_it_saw(api: Api) -> None:
    first, last = await seeded(api)
    assert NEAREST.weights.performance == NEAREST_WEIGHTS["performance"]
    draft = {"id": "draft", "weights": NEAREST_WEIGHTS, "respectCapacity": NEAREST.respect_capacity}
    window = {"from": first.isoformat(), "to": last.isoformat(), "profile": draft, "baselineProfileId": "default"}
    got = (await api.gql(SIMULATE, {"input": window}))["simulateSourcing"]
    assert got["userErrors"] == [], got
    found = await finished(api, got["simulation"]["id"])
    assert found["status"] == "SUCCEEDED" and found["orders"] > 500, found["error"]
    base, nearest = found["baseline"], found["draft"]
    # the replay finds stock as it was: most orders the history served are served again by the baseline
    assert base["ordersFullyServed"] > found["orders"] // 2 and nearest["ordersFullyServed"] > 0
    assert found["differences"] and base != nearest
    # the nearest store whatever its load: the two stores whose capacity the history exceeded go over again
    assert any(x["daysOverCapacity"] > 0 for x in nearest["perLocation"])
    assert all(x["daysOverCapacity"] == 0 for x in base["perLocation"])


async def test_availability_as_of_a_past_moment_is_what_the_seeded_ledger_said(api: Api) -> None:
    await seeded(api)
    lg = inventory_ledger.c
    async with api.server.resources.db.read() as conn:
        moved = select(lg.sku, lg.location_id).where(lg.cause == "ship").limit(1).subquery()
        rows = list(
            await conn.execute(
                select(inventory_ledger)
                .join(moved, (moved.c.sku == lg.sku) & (moved.c.location_id == lg.location_id))
                .order_by(lg.id)
            )
        )
        versions = (await conn.execute(select(func.count()).select_from(rule_versions))).scalar_one()
    assert versions >= 3  # rules that changed during the history
    opening, shipped = rows[0], next(r for r in rows if r.cause == "ship")
    assert opening.cause == "seed"
    at = shipped.at - timedelta(seconds=1)
    before = [r for r in rows if r.at <= at][-1]

    async def on_hand(moment: str | None) -> int:
        got = (await api.gql(AS_OF, {"skus": [shipped.sku], "at": moment}))["availability"][0]
        return int(next(x["onHand"] for x in got["locations"] if x["location"]["id"] == shipped.location_id))

    assert await on_hand(at.isoformat()) == before.on_hand > shipped.on_hand  # the units still there then
    assert await on_hand(at.isoformat()) != await on_hand(None)  # units shipped since
    assert await on_hand(None) == rows[-1].on_hand
    await matches_positions(api)


async def test_stock_accuracy_has_the_seeded_counts_and_short_picks(api: Api) -> None:
    first, last = await seeded(api)
    now = utc_now()
    window = {"from": (now - timedelta(days=DAYS + 1)).isoformat(), "to": now.isoformat()}
    found = (await api.gql(ACCURACY, window))["stockAccuracy"]
    assert sum(x["checks"] for x in found) > 0
    assert sum(x["shortPicks"] for x in found) > 0 and sum(x["corrections"] for x in found) > 0
    assert sum(x["matched"] for x in found) > 0, "counts that confirmed the books score too"
    assert first < last
