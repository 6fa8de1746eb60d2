"""The medians the database finds (a running count over merged minute histograms) are the exact medians of
the store orders' minutes, per hour, day and week and over the whole range, on both backends."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import history
from app.services import reporting
from app.services.uow import utc_now
from app.store import catalog
from app.store import history as history_store
from app.store.tables.reporting import report_minutes
from domain.reporting import PICK, READY, Granularity, bucket_start, median
from tests.api.network import location, upsert_locations
from tests.harness import Api


async def nine_days(api: Api) -> None:
    await upsert_locations(api, *(location(f"store-{n}") for n in range(1, 5)))
    items = [{"sku": f"SKU-{n}", "category": "c"} for n in range(8)]
    await api.gql("mutation($i: [ItemInput!]!) { upsertItems(input: $i) { count } }", {"i": items})
    uow = api.server.resources.uow()
    async with uow:
        rows = history.generate(await catalog.all_locations(uow.conn), [x["sku"] for x in items], uow.now, days=9)
        await history_store.insert(uow.conn, rows.tables)
    await reporting.roll_up(api.server.resources, utc_now() + reporting.SETTLE)


@pytest.mark.parametrize("granularity", list(Granularity))
async def test_the_databases_medians_are_the_exact_medians(api: Api, granularity: Granularity) -> None:
    await nine_days(api)
    end = utc_now() + timedelta(hours=1)
    start = end - timedelta(days=10)
    found = await reporting.operations_report(
        api.server.resources.db, start=start, end=end, granularity=granularity, location_ids=None, channel=None
    )
    histograms: dict[object, dict[str, Counter[int]]] = defaultdict(lambda: {PICK: Counter(), READY: Counter()})
    async with api.server.resources.db.read() as conn:
        for row in await conn.execute(select(report_minutes)):
            for key in (bucket_start(row.hour, granularity), "total"):
                histograms[key][row.measure][row.minutes] += row._mapping["count"]  # (Row.count is tuple's)
    buckets = [b for b in found.buckets if b.orders]
    assert len(buckets) >= 2 and sum(b.orders for b in found.buckets) == found.totals.orders
    for b in [*buckets, found.totals]:
        key = "total" if b is found.totals else b.start
        assert b.median_pick_minutes == median(histograms[key][PICK]), key
        assert b.median_release_to_ready_minutes == median(histograms[key][READY]), key
    assert found.totals.median_pick_minutes is not None
