"""API tokens: created once (the secret is shown once, only its SHA-256 is kept), revoked, expired.

A token reads `oms_<id>_<secret>`; the id lets operators name it (list,
revoke) without holding the secret.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from app.services.uow import UnitOfWork, utc_now
from app.store import tokens as store
from app.store.db import Database
from domain import access
from domain.access import Principal, TokenGrant


@dataclass(frozen=True, slots=True)
class IssuedToken:
    id: str
    token: str  # shown once
    grant: TokenGrant


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: str
    grant: TokenGrant
    created_at: datetime
    revoked_at: datetime | None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(uow: UnitOfWork, *, grant: TokenGrant) -> IssuedToken:
    access.validate_grant(grant)
    token_id = secrets.token_hex(6)
    token = f"oms_{token_id}_{secrets.token_urlsafe(32)}"
    async with uow:
        await store.add(uow.conn, token_id, digest(token), grant, uow.now)
    return IssuedToken(token_id, token, grant)


async def revoke_token(uow: UnitOfWork, *, token_id: str) -> bool:
    """True when a live token was revoked now; revoking twice changes nothing."""
    async with uow:
        return await store.revoke(uow.conn, token_id, uow.now)


async def list_tokens(db: Database) -> list[TokenInfo]:
    async with db.read() as conn:
        return [TokenInfo(*row) for row in await store.listing(conn)]


async def still_usable(db: Database, principal: Principal, now: datetime | None = None) -> bool:
    """Whether the API token behind a principal is still live (the admin token and anonymous always are).

    Long-lived subscriptions ask this as events flow, so revoking or expiring a token also ends the
    streams it opened."""
    token_id = access.token_id_of(principal)
    if token_id is None:
        return True
    async with db.read() as conn:
        found = await store.by_id(conn, token_id)
    return found is not None and access.token_usable(found[0].expires_at, found[1], now or utc_now())


async def principal_for_token(db: Database, token: str, now: datetime | None = None) -> Principal | None:
    """The principal of a presented token, or None when it is unknown, revoked or expired."""
    if not token.startswith("oms_"):
        return None
    async with db.read() as conn:
        found = await store.by_hash(conn, digest(token))
    if found is None:
        return None
    token_id, grant, revoked_at = found
    if not access.token_usable(grant.expires_at, revoked_at, now or utc_now()):
        return None
    return access.principal_of(token_id, grant)
