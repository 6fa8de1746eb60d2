"""`oms import-inventory`: staging, velocity order, batching, rejects, reruns; on both backends."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from app.pubsub import InProcessBroker
from app.services.importer import import_inventory
from app.store import sales
from domain.inventory import SyncMode
from tests.api.network import availability, basic_network, items, sync, update
from tests.harness import Api

T0 = "2026-11-20T10:00:00+00:00"
T1 = "2026-11-20T11:00:00+00:00"


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("sku,location_id,quantity,as_of,inbound\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


async def run_import(api: Api, path: Path, mode: SyncMode = SyncMode.SNAPSHOT, batch: int = 1000) -> object:
    resources = api.server.resources
    return await import_inventory(resources.db, InProcessBroker(), path=path, source="erp", mode=mode, batch=batch)


async def test_a_snapshot_file_applies_and_reports_rejects_by_line(api: Api, tmp_path: Path) -> None:
    await basic_network(api)
    path = write_csv(
        tmp_path / "feed.csv",
        [f"A,us-1,5,{T0},2", f"B,us-1,7,{T0},", f"A,nowhere,1,{T0},", f"B,us-2,-3,{T0},", f"A,us-2,x,{T0},"],
    )
    report = await run_import(api, path)
    assert (report.lines, report.applied, report.rejected) == (5, 2, 3)  # type: ignore[attr-defined]
    assert report.errors[0].startswith("line 4")  # type: ignore[attr-defined]
    a, b = await availability(api, ["A", "B"])
    assert (a["onHand"], a["inbound"], b["onHand"]) == (5, 2, 7)


async def test_best_sellers_are_applied_first(api: Api, tmp_path: Path) -> None:
    await basic_network(api)
    async with api.server.resources.db.write() as conn:
        await sales.record_sales(conn, {"HOT": 50, "WARM": 5}, datetime.now(UTC).date())
    path = write_csv(tmp_path / "feed.csv", [f"{sku},us-1,1,{T0}," for sku in ("COLD", "WARM", "HOT", "COLDER")])
    report = await run_import(api, path, batch=1)
    assert report.applied_skus_in_order == ["HOT", "WARM", "COLD", "COLDER"]  # type: ignore[attr-defined]


async def test_older_snapshots_in_the_file_or_the_store_are_ignored(api: Api, tmp_path: Path) -> None:
    await basic_network(api)
    await sync(api, "SNAPSHOT", update("A", "us-1", 9, as_of=T1))
    path = write_csv(tmp_path / "feed.csv", [f"A,us-1,4,{T0},", f"B,us-1,1,{T0},", f"B,us-1,2,{T1},"])
    report = await run_import(api, path, batch=2)
    # Batch 1: A (older than the store's count) is stale, B at T0 applies; batch 2: B at T1 applies.
    assert (report.applied, report.ignored_stale) == (2, 1)  # type: ignore[attr-defined]
    a, b = await availability(api, ["A", "B"])
    assert (a["onHand"], b["onHand"]) == (9, 2)


async def test_rerunning_the_same_file_reaches_the_same_end_state(api: Api, tmp_path: Path) -> None:
    await basic_network(api)
    lines = [
        json.dumps({"sku": f"S{i}", "locationId": "us-1", "quantity": -1, "asOf": T1, "eventId": f"e{i}"})
        for i in range(30)
    ]
    path = tmp_path / "deltas.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    await items(api, [f"S{i}" for i in range(30)])
    await sync(api, "SNAPSHOT", *[update(f"S{i}", "us-1", 10) for i in range(30)])
    first = await run_import(api, path, SyncMode.DELTA, batch=7)
    second = await run_import(api, path, SyncMode.DELTA, batch=7)
    assert (first.applied, second.applied, second.duplicates) == (30, 0, 30)  # type: ignore[attr-defined]
    assert {x["onHand"] for x in await availability(api, [f"S{i}" for i in range(30)])} == {9}


async def test_the_cli_imports_a_file_and_metrics_report_freshness(api: Api, tmp_path: Path) -> None:
    await basic_network(api)
    path = write_csv(tmp_path / "feed.csv", [f"A,us-1,3,{T0},", f"B,us-2,4,{T0},"])
    env = {"DATABASE_URL": api.server.resources.db.url, "OMS_LOG_LEVEL": "WARNING", "PATH": "/usr/bin:/bin"}
    args = ["-m", "oms.cli", "import-inventory", str(path), "--source", "erp"]
    pipe = asyncio.subprocess.PIPE
    process = await asyncio.create_subprocess_exec(sys.executable, *args, env=env, stdout=pipe, stderr=pipe)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    assert "2 lines, 2 applied" in out.decode()
    assert (await availability(api, ["A"]))[0]["onHand"] == 3
    metrics = (await api.http.get("/metrics")).text
    assert 'oms_inventory_positions{tier="rest"} 2.0' in metrics
    assert 'oms_inventory_stalest_position_age_seconds{tier="rest"}' in metrics
