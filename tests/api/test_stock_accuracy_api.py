"""stockAccuracy: per location, how often counts (snapshots, short picks) matched what the OMS believed, and the
safety stock per category that the shortfalls and sales suggest, explained."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api.network import sync, update
from tests.api.picking import confirm, generate, place, process, store
from tests.harness import Api

ACCURACY = """query($ids: [ID!]) { stockAccuracy(locationIds: $ids) {
  location { id } checks matched score shortUnits overUnits shortPicks corrections
  suggestions { category checks shortChecks meanShortfall unitsPerDay safetyStock explanation } } }"""
LATER = "2026-11-21T10:00:00+00:00"


async def test_counts_that_missed_the_books_lower_the_score_and_suggest_safety_stock(api: Api) -> None:
    await store(api, process(shortPickPolicy="REROUTE_NOW"), stock=10, backup=5)
    await place(api, "short", [("A", 3)])
    [pick_list] = await generate(api)
    line = pick_list["lines"][0]
    await confirm(api, pick_list["id"], {"pickLineId": line["id"], "quantity": 1, "shortReason": "NOT_FOUND"})
    await sync(api, "SNAPSHOT", update("B", "s1", 10, as_of=LATER))  # the count confirms the books
    await sync(api, "SNAPSHOT", update("C", "s1", 8, as_of=LATER))  # two fewer than believed
    await sync(api, "SNAPSHOT", update("D", "s1", 11, as_of=LATER))  # one more
    [s1] = (await api.gql(ACCURACY, {"ids": ["s1"]}))["stockAccuracy"]
    assert {k: v for k, v in s1.items() if k != "suggestions"} == {
        "location": {"id": "s1"},
        "checks": 4,
        "matched": 1,
        "score": 0.25,
        "shortUnits": 2 + 2,  # the short pick wrote off the 2 not found; C two short
        "overUnits": 1,
        "shortPicks": 1,
        "corrections": 2,
    }
    shoes = next(x for x in s1["suggestions"] if x["category"] == "shoes")
    assert (shoes["checks"], shoes["shortChecks"], shoes["meanShortfall"]) == (2, 2, 2.0)
    assert shoes["safetyStock"] == 5 and shoes["unitsPerDay"] == 0.1  # ceil(1.65 x 1.25 x 2); 3 sold in 30 days
    assert "2 checks, 2 short" in shoes["explanation"]
    bags = next(x for x in s1["suggestions"] if x["category"] == "bags")
    assert bags["safetyStock"] == 0 and "sold nothing" in bags["explanation"]


async def test_a_window_over_92_days_is_refused(api: Api) -> None:
    query = "query($from: DateTime!) { stockAccuracy(from: $from) { checks } }"
    start = (datetime.now(UTC) - timedelta(days=100)).isoformat()
    body = await api.raw(query, {"from": start})
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
