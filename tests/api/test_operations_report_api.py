"""Operations reporting over HTTP: the report, its CSV and /metrics agree; bad ranges; store scoping; the
rollup job counts each change once and picks up where it stopped."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

import pytest

from app.services import reporting
from app.services import uow as uow_module
from app.services.uow import utc_now
from app.store import reporting as report_store
from domain.access import Role
from tests.api.picking import COMPLETE_STEP, COMPLETE_TASK, HAND_OVER, TASKS, confirm, generate, place, process, store
from tests.api.principals import token_for
from tests.api.test_orders_api import CANCEL
from tests.harness import ADMIN_TOKEN, Api

FIELDS = """start orders units fillRate splitRate shortPickRate cancelledRate slaMetRate
  medianPickMinutes medianReleaseToReadyMinutes"""
REPORT = f"""query($input: OperationsReportInput!) {{ operationsReport(input: $input) {{
  buckets {{ {FIELDS} }} totals {{ {FIELDS} }} }} }}"""
CSV_NAMES = {
    "fill_rate": "fillRate",
    "split_rate": "splitRate",
    "short_pick_rate": "shortPickRate",
    "cancelled_rate": "cancelledRate",
    "sla_met_rate": "slaMetRate",
    "median_pick_minutes": "medianPickMinutes",
    "median_release_to_ready_minutes": "medianReleaseToReadyMinutes",
}


async def roll_up(api: Api) -> int:
    """Run the job as if SETTLE had passed: every change made so far is taken."""
    return await reporting.roll_up(api.server.resources, utc_now() + reporting.SETTLE)


def window(granularity: str = "HOUR", **extra: Any) -> dict[str, Any]:
    now = utc_now()
    start = (now - timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    return {"from": start.isoformat(), "to": (now + timedelta(hours=1)).isoformat(), "granularity": granularity} | extra


async def report(api: Api, token: str | None = ADMIN_TOKEN, **input_: Any) -> dict[str, Any]:
    return dict((await api.gql(REPORT, {"input": input_}, token=token))["operationsReport"])


async def four_orders(api: Api, backup: int = 0) -> dict[str, str]:
    """At s1: one shipped in full, one picked short, one cancelled, one waiting."""
    await store(api, process(), stock=10, backup=backup)
    ids = {
        name: (await place(api, name, cart))["id"]
        for name, cart in (("shipped", [("A", 1), ("B", 1)]), ("short", [("C", 2)]), ("cancelled", [("D", 1)]))
    }
    assert (await api.gql(CANCEL, {"id": ids["cancelled"]}))["cancelOrder"]["userErrors"] == []
    for pick_list in await generate(api):
        short = pick_list["lines"][0]["orderId"] == ids["short"]
        picks = [
            {"pickLineId": x["id"], "quantity": x["quantity"] - 1, "shortReason": "DAMAGED"}
            if short
            else {"pickLineId": x["id"], "quantity": x["quantity"]}
            for x in pick_list["lines"]
        ]
        assert (await confirm(api, pick_list["id"], *picks))["userErrors"] == []
        fulfillment = pick_list["lines"][0]["fulfillmentId"]
        if short:
            task = (await api.gql(TASKS, {"orderId": ids["short"]}))["tasks"]["edges"][0]["node"]
            await api.gql(COMPLETE_TASK, {"id": task["id"], "outcome": "PARTIAL"})
            continue
        packed = await api.gql(COMPLETE_STEP, {"id": fulfillment, "step": "PACK"})
        assert packed["completeStep"]["userErrors"] == [], packed
        handed = await api.gql(HAND_OVER, {"id": fulfillment, "tracking": "T1"})
        assert handed["handOver"]["userErrors"] == [], handed
    ids["waiting"] = (await place(api, "waiting", [("A", 1)]))["id"]
    return ids


def metric(text: str, name: str, location: str) -> float | None:
    found = re.search(rf'^oms_report_{name}{{location_id="{location}"}} (\S+)$', text, re.MULTILINE)
    return None if found is None else float(found.group(1))


async def test_the_report_the_csv_and_the_metrics_agree_on_the_same_orders(quiet: Api) -> None:
    api = quiet
    await four_orders(api)
    assert await roll_up(api) >= 1
    params = window()
    found = await report(api, **params)
    totals = found["totals"]
    assert (totals["orders"], totals["units"]) == (4, 5)  # the short line gave one of its two units up
    assert (totals["fillRate"], totals["shortPickRate"], totals["cancelledRate"]) == (0.25, 0.25, 0.25)
    assert (totals["slaMetRate"], totals["splitRate"]) == (0.25, 0.0)
    assert totals["medianPickMinutes"] == 0.0 and totals["medianReleaseToReadyMinutes"] == 0.0
    assert sum(b["orders"] for b in found["buckets"]) == 4 and len(found["buckets"]) == 4
    response = await api.http.get(
        "/reports/operations.csv", params=params, headers={"authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines()[0] == (
        "start,orders,units,fill_rate,split_rate,short_pick_rate,cancelled_rate,sla_met_rate,"
        "median_pick_minutes,median_release_to_ready_minutes"
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["start"] for r in rows] == [datetime.fromisoformat(b["start"]).isoformat() for b in found["buckets"]] + [
        "total"
    ]
    for row, bucket in zip(rows, [*found["buckets"], totals], strict=True):
        assert int(row["orders"]) == bucket["orders"] and int(row["units"]) == bucket["units"]
        for name, field in CSV_NAMES.items():
            assert (float(row[name]) if row[name] else None) == bucket[field], (name, row)
    scraped = (await api.http.get("/metrics")).text
    assert metric(scraped, "orders", "s1") == 4 and metric(scraped, "units", "s1") == 5
    for name, field in CSV_NAMES.items():
        assert metric(scraped, name, "s1") == totals[field], name
    assert metric(scraped, "orders", "s2") is None  # no orders there: no series


async def test_day_and_week_buckets_hold_the_same_totals(quiet: Api) -> None:
    await four_orders(quiet)
    await roll_up(quiet)
    hourly = await report(quiet, **window())
    for granularity in ("DAY", "WEEK"):
        found = await report(quiet, **window(granularity))
        assert found["totals"] | {"start": None} == hourly["totals"] | {"start": None}
        assert 1 <= len(found["buckets"]) <= 2


@pytest.mark.parametrize(
    ("start", "end", "granularity", "message"),
    [
        ("2026-05-02T00:00:00Z", "2026-05-01T00:00:00Z", "HOUR", "before"),
        ("2025-01-01T00:00:00Z", "2026-01-03T00:00:00Z", "HOUR", "over 366 days"),
        ("2010-01-01T00:00:00Z", "2026-01-03T00:00:00Z", "WEEK", "over 1830 days"),
    ],
)
async def test_a_bad_range_is_a_bad_request_in_graphql_and_csv(
    api: Api, start: str, end: str, granularity: str, message: str
) -> None:
    params = {"from": start, "to": end, "granularity": granularity}
    body = await api.raw(REPORT, {"input": params})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST" and message in body["errors"][0]["message"]
    response = await api.http.get(
        "/reports/operations.csv", params=params, headers={"authorization": f"Bearer {ADMIN_TOKEN}"}
    )
    assert response.status_code == 400 and message in response.json()["errors"][0]["message"]


async def test_a_report_names_at_most_500_stores(api: Api) -> None:
    params = window(locationIds=[f"s{n}" for n in range(501)])
    body = await api.raw(REPORT, {"input": params})
    assert body["data"] is None and "At most 500" in body["errors"][0]["message"], body
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_year_of_hours_is_allowed_and_empty_buckets_are_listed(api: Api) -> None:
    found = await report(api, **{"from": "2025-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z", "granularity": "HOUR"})
    assert len(found["buckets"]) == 366 * 24 and found["totals"]["orders"] == 0
    assert found["buckets"][0] == found["totals"] | {"start": "2025-01-01T00:00:00+00:00"}


async def test_csv_parameters_are_checked_and_refusals_answer_like_the_api(api: Api) -> None:
    auth = {"authorization": f"Bearer {ADMIN_TOKEN}"}
    url = "/reports/operations.csv"
    good = {"from": "2026-05-01T00:00:00Z", "to": "2026-05-02T00:00:00Z", "granularity": "DAY"}
    for broken, says in (
        ({"granularity": "MONTH"}, "granularity"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-05-02T00:00:00"}, "offset"),
        ({"locationIds": ""}, "locationIds"),
        ({"locationIds": ",".join(f"s{n}" for n in range(501))}, "At most 500"),
    ):
        response = await api.http.get(url, params=good | broken, headers=auth)
        assert response.status_code == 400 and says in response.json()["errors"][0]["message"], response.text
    assert (await api.http.get(url, params=good)).status_code == 401
    assert (await api.http.get(url, params=good, headers={"authorization": "Bearer nope"})).status_code == 401
    integration = await token_for(api.server, Role.INTEGRATION, scopes={"orders:read"})
    refused = await api.http.get(url, params=good, headers={"authorization": f"Bearer {integration}"})
    assert refused.status_code == 403 and refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_store_role_sees_only_its_own_stores(quiet: Api) -> None:
    api = quiet
    await four_orders(api, backup=30)
    await place(api, "at-s2", [("A", 20)])  # more than s1 holds: s2 ships (some of) it
    await roll_up(api)
    own = await token_for(api.server, Role.STORE_MANAGER, locations={"s2"})
    mine = await report(api, token=own, **window())
    everything = await report(api, **window())
    at_s2 = await report(api, **window(locationIds=["s2"]))
    assert mine["totals"] == at_s2["totals"] and mine["totals"]["orders"] < everything["totals"]["orders"]
    refused = await api.raw(REPORT, {"input": window(locationIds=["s1"])}, token=own)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    params = window(locationIds="s1")
    csv_refused = await api.http.get(
        "/reports/operations.csv", params=params, headers={"authorization": f"Bearer {own}"}
    )
    assert csv_refused.status_code == 403
    csv_own = await api.http.get("/reports/operations.csv", params=window(), headers={"authorization": f"Bearer {own}"})
    assert csv_own.text.splitlines()[-1].split(",")[1] == str(mine["totals"]["orders"])
    assert (await report(api, **window(channel="pos")))["totals"]["orders"] == 0


async def test_racing_runs_count_each_change_once(quiet: Api) -> None:
    api = quiet
    await four_orders(api)
    recounted = await asyncio.gather(*(roll_up(api) for _ in range(3)))
    assert sorted(recounted)[:2] == [0, 0] and max(recounted) >= 1  # one claim committed, the others rolled back
    async with api.server.resources.db.read() as conn:
        assert (await report_store.watermark(conn))[1] == 1
    assert (await report(api, **window()))["totals"]["orders"] == 4
    assert await roll_up(api) == 0  # nothing new: a read, no write


async def test_a_failed_run_changes_nothing_and_the_next_one_takes_its_changes(quiet: Api) -> None:
    api = quiet
    await four_orders(api)
    crash = mock.patch.object(report_store, "replace", side_effect=RuntimeError("crash mid-write"))
    with crash, pytest.raises(RuntimeError):
        await roll_up(api)
    async with api.server.resources.db.read() as conn:
        assert await report_store.watermark(conn) == (report_store.EPOCH, 0)
    assert (await report(api, **window()))["totals"]["orders"] == 0
    assert await roll_up(api) >= 1
    assert (await report(api, **window()))["totals"]["orders"] == 4
    await place(api, "later", [("B", 1)])  # after the watermark: the next run adds it
    assert await roll_up(api) == 1
    assert (await report(api, **window()))["totals"]["orders"] == 5


async def test_the_leaders_scheduler_keeps_the_rollups(api: Api) -> None:
    await store(api, process(), stock=10)
    await place(api, "scheduled", [("A", 1)])
    for _ in range(100):
        if (await report(api, **window()))["totals"]["orders"] == 1:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the scheduler did not roll the order up")


async def test_a_supervisors_decision_after_a_run_reaches_the_next_one(quiet: Api) -> None:
    """The short's PARTIAL decision moves no status: the order event it stores is what the job sees."""
    api = quiet
    await store(api, process(), stock=10)
    order_id = (await place(api, "short", [("C", 2)]))["id"]
    (pick_list,) = await generate(api)
    line = pick_list["lines"][0]
    await confirm(api, pick_list["id"], {"pickLineId": line["id"], "quantity": 1, "shortReason": "DAMAGED"})
    await roll_up(api)
    assert (await report(api, **window()))["totals"]["units"] == 2
    task = (await api.gql(TASKS, {"orderId": order_id}))["tasks"]["edges"][0]["node"]
    await api.gql(COMPLETE_TASK, {"id": task["id"], "outcome": "PARTIAL"})
    assert await roll_up(api) == 1
    assert (await report(api, **window()))["totals"]["units"] == 1


async def test_a_report_runs_the_same_few_statements_whatever_its_size(quiet: Api) -> None:
    await four_orders(quiet, backup=5)
    await roll_up(quiet)
    year = {"from": "2026-01-01T00:00:00Z", "to": "2027-01-01T00:00:00Z", "granularity": "HOUR"}
    _, small = await quiet.counted(REPORT, {"input": window("DAY", locationIds=["s1"])})
    _, large = await quiet.counted(REPORT, {"input": year})
    postgres = quiet.server.resources.db.engine.dialect.name == "postgresql"
    assert small == large == (5 if postgres else 3)  # counts, medians per bucket, medians overall (+ work_mem)


def clock_at(instant: datetime) -> Any:
    """The services' clock (`uow.now`) reads `instant`: a command whose transaction started then."""

    class Then(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            return instant if tz is None else instant.astimezone(tz)

    return mock.patch.object(uow_module, "datetime", Then)


async def test_a_change_stamped_before_the_watermark_is_recounted_with_the_next_news(quiet: Api) -> None:
    """A command's stamp is its transaction's start: one that waited for a lock commits stamped before a
    watermark that already passed it. The next run with news recounts the hours changed shortly before."""
    api = quiet
    await store(api, process(), stock=10)
    earlier = utc_now() - timedelta(minutes=90)
    with clock_at(earlier):
        late = (await place(api, "late", [("A", 1)]))["id"]
    await roll_up(api)
    async with api.server.resources.db.read() as conn:
        watermark, _ = await report_store.watermark(conn)
    with clock_at(watermark - timedelta(minutes=1)):  # it began before the last run, committed after it
        assert (await api.gql(CANCEL, {"id": late}))["cancelOrder"]["userErrors"] == []
    await place(api, "news", [("B", 1)])  # in another hour than the late one
    assert await roll_up(api) >= 2
    totals = (await report(api, **window()))["totals"]
    assert (totals["orders"], totals["cancelledRate"]) == (2, 0.5)
