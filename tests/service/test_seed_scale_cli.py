"""`oms seed --scale`: a fixed synthetic network for benchmarks, the same every time it is generated."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app import scale
from app.store import catalog
from app.store.db import Database
from app.store.positions import count_positions
from oms.cli import main


def test_the_small_scale_seeds_its_locations_items_and_stock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'oms.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    main(["seed", "--scale", "small"])
    expected = sum(1 for _ in scale.stock(scale.SCALES["small"], datetime(2026, 1, 1, tzinfo=UTC)))
    assert f"seeded small network: 20 locations, 1000 items, {expected} positions" in capsys.readouterr().out

    async def counts() -> tuple[int, int]:
        db = Database(url)
        try:
            async with db.read() as conn:
                return await catalog.count_locations(conn), await count_positions(conn)
        finally:
            await db.dispose()

    assert asyncio.run(counts()) == (20, expected)


def test_a_scale_is_deterministic_and_its_hot_skus_are_stocked_everywhere() -> None:
    small = scale.SCALES["small"]
    as_of = datetime(2026, 1, 1, tzinfo=UTC)
    first, again = list(scale.stock(small, as_of)), list(scale.stock(small, as_of))
    assert first == again
    hot = {u.location_id for u in first if u.sku == scale.sku(0)}
    assert len(hot) == small.locations
    large = scale.SCALES["large"]
    assert (large.locations, large.skus) == (200, 50_000)
