"""`oms import-postal-codes`: a good file is imported whole (in batches), a file with a bad line not at all."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.store import postal_codes
from app.store.db import Database
from app.store.tables.checkout import postal_codes as table
from domain.locations import Geo
from oms.cli import main


def stored(url: str) -> tuple[int, Geo | None]:
    async def read() -> tuple[int, Geo | None]:
        db = Database(url)
        try:
            async with db.read() as conn:
                count = (await conn.execute(select(func.count()).select_from(table))).scalar_one()
                return count, await postal_codes.lookup(conn, "GB", "SW1A1AA")
        finally:
            await db.dispose()

    return asyncio.run(read())


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'oms.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def test_a_file_is_imported_whole_across_batches(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = ["\ufeffcountry,postal_code,lat,lon", "gb,sw1a 1aa,51.501,-0.1416", ""]
    lines += [f"DE,{10000 + i},52.5,13.4" for i in range(10_000)]
    path = tmp_path / "codes.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    main(["import-postal-codes", str(path)])
    assert "imported 10,001 postal codes" in capsys.readouterr().out
    assert stored(url) == (10_001, Geo(51.501, -0.1416))


def test_one_bad_line_and_nothing_is_imported(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "codes.csv"
    path.write_text(
        "country,postal_code,lat,lon\nGB,SW1A 1AA,51.501,-0.1416\nGB,EC1A 1BB,north,-0.1\nGBR,W1A 0AX,51.5,-0.14\n",
        encoding="utf-8",
    )
    with pytest.raises(SystemExit, match="2 bad lines") as exited:
        main(["import-postal-codes", str(path)])
    assert exited.value.code != 0
    err = capsys.readouterr().err
    assert "rejected line 3: lat: lat must be a number, not 'north'" in err
    assert "rejected line 4: country:" in err
    assert stored(url) == (0, None)


def test_a_file_without_the_header_is_refused(url: str, tmp_path: Path) -> None:
    path = tmp_path / "codes.csv"
    path.write_text("GB,SW1A 1AA,51.501,-0.1416\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="1 bad lines"):
        main(["import-postal-codes", str(path)])
    with pytest.raises(SystemExit, match="no such file"):
        main(["import-postal-codes", str(tmp_path / "missing.csv")])
