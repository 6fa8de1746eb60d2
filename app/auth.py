"""Who is calling: bearer tokens to principals.

The admin token comes from `OMS_ADMIN_TOKEN` (or the generated token file in
development) and is checked without a database read. Every other token is an
API token made by `oms token create`: looked up by its SHA-256, refused once
revoked or expired. No `Authorization` header is the anonymous storefront.
"""

from __future__ import annotations

import hmac
import os
import secrets

from app.config import Settings
from app.services.tokens import principal_for_token
from app.store.db import Database
from domain.access import ANONYMOUS, Principal, Role

ADMIN = Role.ADMIN.value
STOREFRONT = Role.STOREFRONT.value
ADMIN_PRINCIPAL = Principal(Role.ADMIN, "admin-token")

__all__ = ["ADMIN", "ANONYMOUS", "STOREFRONT", "InvalidToken", "Principal", "authenticate", "principal_for"]


class InvalidToken(Exception):
    """The caller sent credentials we do not accept (never treated as anonymous)."""


def bearer(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None for no header."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("Authorization must be 'Bearer <token>'")
    return token.strip()


def principal_for(authorization: str | None, admin_token: str | None) -> Principal:
    """Anonymous or the admin token, without the database (API tokens need `authenticate`)."""
    token = bearer(authorization)
    if token is None:
        return ANONYMOUS
    if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return ADMIN_PRINCIPAL
    raise InvalidToken("Unknown or expired token")


async def authenticate(db: Database, authorization: str | None, admin_token: str | None) -> Principal:
    """The principal of a request: anonymous, the admin token, or a live API token."""
    try:
        return principal_for(authorization, admin_token)
    except InvalidToken:
        token = bearer(authorization)
        found = await principal_for_token(db, token) if token else None
        if found is None:
            raise
        return found


def admin_token(settings: Settings) -> str | None:
    """The admin token in force: the configured one, else (outside production) the stored generated one."""
    if settings.admin_token:
        return settings.admin_token
    path = settings.admin_token_file
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip() or None
    return None


def ensure_admin_token(settings: Settings) -> str:
    """Return the admin token, generating and storing one (mode 600) if none exists."""
    existing = admin_token(settings)
    if existing:
        return existing
    token = "oms_" + secrets.token_urlsafe(32)
    os.makedirs(os.path.dirname(os.path.abspath(settings.admin_token_file)), exist_ok=True)
    fd = os.open(settings.admin_token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    return token
