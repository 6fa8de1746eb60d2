"""Version tokens of cached reference data (see `tables.rules.cache_versions`)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.sql import upsert
from app.store.tables.rules import cache_versions

LOCATIONS = "locations"
RULES = "rules"
PROFILES = "profiles"


async def bump(conn: AsyncConnection, name: str) -> None:
    """Give the set a new token, in the transaction that changes it."""
    stmt = upsert(conn, cache_versions).values(name=name, token=uuid.uuid4().hex)
    await conn.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={"token": stmt.excluded.token}))


def token_column(name: str) -> Any:
    """A scalar subquery column carrying the set's current token (NULL when never written)."""
    return select(cache_versions.c.token).where(cache_versions.c.name == name).scalar_subquery().label(f"{name}_token")


async def tokens(conn: AsyncConnection) -> dict[str, str]:
    return {row.name: row.token for row in await conn.execute(select(cache_versions))}
