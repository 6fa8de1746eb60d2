"""Who is calling: bearer tokens to principals.

The admin token comes from `OMS_ADMIN_TOKEN` (or the generated token file in
development). Anonymous callers are the storefront: read-only availability and
product fields. The full role model (scoped integration tokens, store staff)
builds on `Principal`.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass

from app.config import Settings

ADMIN = "ADMIN"
STOREFRONT = "STOREFRONT"


@dataclass(frozen=True, slots=True)
class Principal:
    role: str
    subject: str
    anonymous: bool = False

    @property
    def is_staff(self) -> bool:
        return self.role == ADMIN


ANONYMOUS = Principal(STOREFRONT, "anonymous", anonymous=True)


class InvalidToken(Exception):
    """The caller sent credentials we do not accept (never treated as anonymous)."""


def principal_for(authorization: str | None, admin_token: str | None) -> Principal:
    if not authorization:
        return ANONYMOUS
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("Authorization must be 'Bearer <token>'")
    if admin_token and hmac.compare_digest(token.strip().encode(), admin_token.encode()):
        return Principal(ADMIN, "admin-token")
    raise InvalidToken("Unknown or expired token")


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
