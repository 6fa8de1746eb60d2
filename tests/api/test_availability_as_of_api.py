"""`availability(asOf:)` answers what `availability` answered at that moment: across syncs, orders, holds
(one lapsing before the sweeper ends it), cancellations and rule changes, every moment checked."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete

from app.services.holds import sweep
from app.store.tables.ledger import rule_versions
from tests.api import checkout as holds
from tests.api.network import location, sync, update, upsert_locations
from tests.api.test_rules_api import DELETE, rule
from tests.harness import ADMIN_TOKEN, Api

FIELDS = """sku channel market atp onHand reserved inbound
  locations { location { id } atp onHand reserved held inbound appliedRules }"""
NOW = f"""query($skus: [String!]!) {{ availability(skus: $skus, channel: "web", market: "US") {{ {FIELDS} }} }}"""
AS_OF = f"""query($skus: [String!]!, $at: DateTime!) {{
  availability(skus: $skus, channel: "web", market: "US", asOf: $at) {{ {FIELDS} }} }}"""
SKUS = ["A", "B"]


class Recorder:
    """After each step: what `availability` answered, and a moment just after the answer."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.seen: list[tuple[datetime, Any]] = []

    async def check(self) -> None:
        answer = (await self.api.gql(NOW, {"skus": SKUS}))["availability"]
        self.seen.append((datetime.now(UTC), answer))


async def as_of(api: Api, moment: datetime, token: str | None = ADMIN_TOKEN) -> Any:
    return await api.gql(AS_OF, {"skus": SKUS, "at": moment.isoformat()}, token=token)


async def test_availability_as_of_any_moment_equals_what_was_answered_then(api: Api) -> None:
    start = datetime.now(UTC)
    seen = Recorder(api)
    await upsert_locations(api, location("s1"), location("s2", geo={"lat": 40.8, "lon": -74.1}))
    items = [{"sku": "A", "category": "c"}, {"sku": "B", "category": "d"}]
    await api.gql("mutation($i: [ItemInput!]!) { upsertItems(input: $i) { count } }", {"i": items})
    await seen.check()
    await sync(api, "SNAPSHOT", update("A", "s1", 10), update("B", "s1", 5), update("A", "s2", 4, inbound=3))
    await seen.check()
    order = (await holds.place(api, ADMIN_TOKEN, key="o1", quantity=3))["order"]
    await seen.check()
    kept = (await holds.create(api, ADMIN_TOKEN, key="h1", quantity=2))["hold"]
    await seen.check()
    safety = await rule(api, category="c", safetyStock=2)
    await seen.check()
    await sync(api, "DELTA", update("A", "s1", -1, eventId="e1"))
    await seen.check()
    await holds.place(api, ADMIN_TOKEN, key="o2", quantity=1, sku="B")
    await seen.check()
    lapsing = (await holds.create(api, ADMIN_TOKEN, key="h2", quantity=1))["hold"]
    await seen.check()
    await asyncio.sleep(1.1)  # `lapse` sets the expiry a second back: after the last moment recorded
    await holds.lapse(api, [lapsing["id"]])
    await seen.check()  # counted in `reserved` still, subtracted by every read
    assert (await api.gql(holds.CANCEL, {"id": order["id"]}))["cancelOrder"]["userErrors"] == []
    await seen.check()
    await rule(api, id=safety, category="c", bufferPercent=50.0)
    await rule(api, sku="B", locationId="s1", maxExposed=1)
    await seen.check()
    await api.gql(holds.RELEASE, {"id": kept["id"]}, token=ADMIN_TOKEN)
    await seen.check()
    await sweep(api.server.resources)  # the lapsed hold ended for good: the same answer
    await seen.check()
    assert (await api.gql(DELETE, {"id": safety}))["deleteAvailabilityRule"]["userErrors"] == []
    await sync(api, "SNAPSHOT", update("A", "s2", 7, as_of="2026-11-21T10:00:00+00:00", inbound=0))
    await seen.check()
    answers = [a for _, a in seen.seen]
    assert len({str(a) for a in answers}) >= 10  # the steps did move the figures
    for moment, answered in seen.seen:
        assert (await as_of(api, moment))["availability"] == answered, moment
    before = (await as_of(api, start - timedelta(seconds=1)))["availability"]
    assert [(a["sku"], a["onHand"], a["atp"], a["locations"]) for a in before] == [("A", 0, 0, []), ("B", 0, 0, [])]


async def test_as_of_is_for_staff_and_never_in_the_future(api: Api) -> None:
    await holds.one_store(api, 3)
    refused = await api.raw(AS_OF, {"skus": SKUS, "at": datetime.now(UTC).isoformat()}, token=None)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    later = datetime.now(UTC) + timedelta(hours=1)
    bad = await api.raw(AS_OF, {"skus": SKUS, "at": later.isoformat()}, token=ADMIN_TOKEN)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "future" in bad["errors"][0]["message"]


async def test_a_rule_from_before_versions_were_kept_stays_in_the_past_after_it_is_changed(api: Api) -> None:
    await upsert_locations(api, location("s1"))
    items = [{"sku": "A", "category": "c"}]
    await api.gql("mutation($i: [ItemInput!]!) { upsertItems(input: $i) { count } }", {"i": items})
    await sync(api, "SNAPSHOT", update("A", "s1", 10))
    safety = await rule(api, category="c", safetyStock=2)
    async with api.server.resources.db.write() as conn:  # as a rule saved before migration 0018 kept versions
        await conn.execute(delete(rule_versions).where(rule_versions.c.rule_id == safety))
    await asyncio.sleep(0.05)
    between = datetime.now(UTC)
    await asyncio.sleep(0.05)
    await rule(api, id=safety, category="c", safetyStock=5)
    [then] = (await as_of(api, between))["availability"][:1]
    [now] = (await api.gql(NOW, {"skus": ["A"]}))["availability"]
    assert (then["atp"], now["atp"]) == (8, 5)
