"""`oms token`: the secret is printed once, only its hash is stored, listing never shows it, revoking works."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from app.services.tokens import digest, principal_for_token
from app.store.db import Database
from app.store.tables.tokens import api_tokens
from domain.access import Role
from oms.cli import main


def test_a_created_token_works_until_revoked_and_only_its_hash_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'oms.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    main(["token", "create", "--role", "STORE_MANAGER", "--locations", "s1, s2", "--label", "manager s1"])
    token = capsys.readouterr().out.strip()
    assert token.startswith("oms_")

    async def stored() -> tuple[list[str], object]:
        db = Database(url)
        try:
            async with db.read() as conn:
                hashes = [r.token_hash for r in await conn.execute(select(api_tokens))]
            return hashes, await principal_for_token(db, token)
        finally:
            await db.dispose()

    hashes, principal = asyncio.run(stored())
    assert hashes == [digest(token)] and token not in str(hashes)
    assert principal is not None
    assert (principal.role, principal.locations) == (Role.STORE_MANAGER, frozenset({"s1", "s2"}))  # type: ignore[attr-defined]

    main(["token", "list"])
    listed = capsys.readouterr().out
    token_id = token.split("_")[1]
    assert f"{token_id}  STORE_MANAGER  live  manager s1  locations=s1,s2" in listed
    assert token not in listed
    main(["token", "revoke", token_id])
    assert asyncio.run(stored())[1] is None
    with pytest.raises(SystemExit, match="need --channels"):
        main(["token", "create", "--role", "STOREFRONT"])
