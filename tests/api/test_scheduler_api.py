"""The scheduler under a stream of commits: escalations keep to the clock, relay runs are batched."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app import scheduler as scheduler_module
from app.scheduler import RELAY_WINDOW_SECONDS
from app.services import tasks as tasks_service
from app.store.tables.checkout import checkout_holds
from tests.api import checkout as holds
from tests.api.test_limits_api import own_settings
from tests.backends import Backend
from tests.harness import ADMIN_TOKEN, Api, serve


async def test_a_stream_of_wakes_runs_the_relay_once_per_window_and_no_escalations(
    backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serve(own_settings(backend, tmp_path)) as server:  # interval: one hour
        scheduler = server.resources.scheduler
        runs = {"relay": 0, "escalations": 0}
        relay_run_once = scheduler.relay.run_once

        relay_ran = asyncio.Event()

        async def counted_relay(client: Any) -> int:
            runs["relay"] += 1
            relay_ran.set()
            return int(await relay_run_once(client))

        escalate_due = tasks_service.escalate_due

        async def counted_escalations(resources: Any) -> int:
            if resources is not server.resources:  # the session's own server runs in this loop too
                return int(await escalate_due(resources))
            runs["escalations"] += 1
            return 0

        monkeypatch.setattr(scheduler.relay, "run_once", counted_relay)
        monkeypatch.setattr(scheduler_module, "CLOCK_JOBS", replaced("escalations", counted_escalations))
        scheduler.wake()
        async with asyncio.timeout(10):
            await relay_ran.wait()  # the first tick (escalations, then the relay) or this wake's run is behind us
        await asyncio.sleep(RELAY_WINDOW_SECONDS * 2)  # and whichever of the two came second
        runs["relay"] = runs["escalations"] = 0
        loop = asyncio.get_running_loop()
        began = loop.time()
        for _ in range(100):  # a command committing outbox events every 2 ms
            scheduler.wake()
            await asyncio.sleep(0.002)
        elapsed = loop.time() - began
        await asyncio.sleep(RELAY_WINDOW_SECONDS * 2)  # the last wake's run
        assert 1 <= runs["relay"] <= elapsed / RELAY_WINDOW_SECONDS + 2, (runs, elapsed)
        assert runs["escalations"] == 0  # escalations come with the interval, not with commits


async def test_a_failing_job_does_not_keep_the_others_from_running(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Escalations raise on every tick of the session's server: the hold sweep after them still ends a lapsed hold."""

    async def broken(resources: Any) -> int:
        raise RuntimeError("escalations broke")

    monkeypatch.setattr(scheduler_module, "CLOCK_JOBS", replaced("escalations", broken))
    await holds.one_store(api, 5)
    hold = (await holds.create(api, ADMIN_TOKEN, key="h1", quantity=2))["hold"]
    await holds.lapse(api, [hold["id"]])
    query = select(checkout_holds.c.status).where(checkout_holds.c.id == hold["id"])
    for _ in range(50):
        async with api.server.resources.db.read() as conn:  # the row: a read reports a lapsed hold EXPIRED anyway
            stored = (await conn.execute(query)).scalar_one()
        if stored == "EXPIRED":
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError(f"the hold sweep did not run after a failing job: {stored}")
    metrics = (await api.http.get("/metrics")).text  # and the failures are counted where operators look
    assert re.search(r'oms_background_job_runs_total\{job="escalations",outcome="failed"\} [1-9]', metrics)
    assert re.search(r'oms_background_job_runs_total\{job="hold_sweep",outcome="ok"\} [1-9]', metrics)


def replaced(name: str, job: Any) -> tuple[tuple[str, Any], ...]:
    """The scheduler's clock jobs with one of them swapped."""
    return tuple((n, job if n == name else j) for n, j in scheduler_module.CLOCK_JOBS)
