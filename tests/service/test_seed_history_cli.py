"""`oms seed --demo` seeds four weeks of finished past work; the rollup job turns it into a report."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.config import Settings
from app.pubsub import InProcessBroker
from app.resources import Resources
from app.services import reporting
from app.services.uow import utc_now
from app.store.db import Database
from app.store.tables.orders import fulfillments, orders
from domain.reporting import Granularity
from oms.cli import main


def test_the_demo_seed_leaves_weeks_of_finished_orders_that_the_report_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'oms.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    main(["seed", "--demo", "--history-days", "14"])
    assert "past orders" in capsys.readouterr().out

    async def check() -> None:
        db = Database(url)
        try:
            async with db.read() as conn:
                statuses: dict[str, int] = dict(
                    (
                        await conn.execute(select(fulfillments.c.status, func.count()).group_by(fulfillments.c.status))
                    ).all()
                )
                placed = (
                    await conn.execute(select(func.min(orders.c.created_at), func.max(orders.c.created_at)))
                ).one()
            assert set(statuses) <= {"SHIPPED", "COLLECTED", "CANCELLED"}  # no open work without reservations
            now = utc_now()
            assert now - timedelta(days=14, hours=1) < placed[0] and placed[1] < now - timedelta(hours=23)
            resources = Resources(Settings(database_url=url), db, InProcessBroker(), None)
            assert await reporting.roll_up(resources, now + reporting.SETTLE) > 200
            found = await reporting.operations_report(
                db,
                start=now - timedelta(days=15),
                end=now,
                granularity=Granularity.WEEK,
                location_ids=None,
                channel=None,
            )
            assert found.totals.orders >= sum(statuses.values()) * 0.9  # split orders: one store order per part
            assert 0 < found.totals.short_pick_rate < 0.2 and 0.5 < found.totals.sla_met_rate < 1
        finally:
            await db.dispose()

    asyncio.run(check())
