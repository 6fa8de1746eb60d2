"""Queries for API tokens: looked up by the hash of the presented token, never by the token itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.tables.tokens import api_tokens
from domain.access import Role, TokenGrant


def _set(values: Any) -> frozenset[str] | None:
    return None if values is None else frozenset(values)


def _grant(row: Any) -> TokenGrant:
    return TokenGrant(
        Role(row.role),
        row.label,
        _set(row.locations),
        _set(row.channels),
        frozenset(row.scopes or ()),
        row.expires_at,
    )


async def add(conn: AsyncConnection, token_id: str, token_hash: str, grant: TokenGrant, now: datetime) -> None:
    await conn.execute(
        api_tokens.insert().values(
            id=token_id,
            token_hash=token_hash,
            role=grant.role.value,
            label=grant.label,
            locations=sorted(grant.locations) if grant.locations is not None else None,
            channels=sorted(grant.channels) if grant.channels is not None else None,
            scopes=sorted(grant.scopes),
            created_at=now,
            expires_at=grant.expires_at,
        )
    )


async def by_hash(conn: AsyncConnection, token_hash: str) -> tuple[str, TokenGrant, datetime | None] | None:
    """(id, grant, revoked at) of the token with this hash."""
    row = (await conn.execute(select(api_tokens).where(api_tokens.c.token_hash == token_hash))).first()
    return (row.id, _grant(row), row.revoked_at) if row else None


async def by_id(conn: AsyncConnection, token_id: str) -> tuple[TokenGrant, datetime | None] | None:
    """(grant, revoked at) of the token with this id."""
    row = (await conn.execute(select(api_tokens).where(api_tokens.c.id == token_id))).first()
    return (_grant(row), row.revoked_at) if row else None


async def revoke(conn: AsyncConnection, token_id: str, now: datetime) -> bool:
    t = api_tokens.c
    result = await conn.execute(
        update(api_tokens).where(t.id == token_id, t.revoked_at.is_(None)).values(revoked_at=now)
    )
    return bool(result.rowcount)


async def listing(conn: AsyncConnection) -> list[tuple[str, TokenGrant, datetime, datetime | None]]:
    """(id, grant, created at, revoked at) of every token, oldest first."""
    rows = await conn.execute(select(api_tokens).order_by(api_tokens.c.created_at, api_tokens.c.id))
    return [(r.id, _grant(r), r.created_at, r.revoked_at) for r in rows]
