"""`oms token create | revoke | list`: API tokens for staff, integrations and storefronts.

The token is printed once; only its SHA-256 is stored, so a lost token is
revoked and replaced, never recovered.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta
from typing import Any

from app.config import Settings
from app.pubsub import InProcessBroker
from app.services import tokens
from app.services.uow import UnitOfWork, utc_now
from app.store import migrate
from app.store.db import Database
from domain.access import Role, TokenGrant
from domain.errors import DomainError


def add_parser(commands: Any) -> None:
    token = commands.add_parser("token", help="create, revoke and list API tokens")
    verbs = token.add_subparsers(dest="verb", required=True)
    create = verbs.add_parser("create", help="make a token and print it once")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--locations", help="comma-separated location ids the token is bound to")
    create.add_argument("--channels", help="comma-separated sales channels (storefront tokens)")
    create.add_argument("--scopes", help="comma-separated integration scopes, e.g. inventory:write,orders:read")
    create.add_argument("--expires-in-days", type=float, help="default: never expires")
    create.add_argument("--label", default="", help="who or what holds it, e.g. pos-store-042")
    revoke = verbs.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("id")
    verbs.add_parser("list", help="list tokens (never their secrets)")


def _set(raw: str | None) -> frozenset[str] | None:
    return frozenset(x.strip() for x in raw.split(",") if x.strip()) if raw else None


def grant_from(args: argparse.Namespace) -> TokenGrant:
    days = args.expires_in_days
    return TokenGrant(
        Role(args.role),
        args.label or args.role.lower(),
        _set(args.locations),
        _set(args.channels),
        _set(args.scopes) or frozenset(),
        utc_now() + timedelta(days=days) if days else None,
    )


def run(settings: Settings, args: argparse.Namespace) -> None:
    asyncio.run(_run(settings, args))


async def _run(settings: Settings, args: argparse.Namespace) -> None:
    db = Database(settings.database_url)
    try:
        await migrate.upgrade(db)
        uow = UnitOfWork(db, InProcessBroker())
        if args.verb == "create":
            try:
                issued = await tokens.create_token(uow, grant=grant_from(args))
            except DomainError as error:
                sys.exit(f"oms token create: {error.message}")
            print(f"token {issued.id} ({issued.grant.role.value}); shown once, keep it secret:", file=sys.stderr)
            print(issued.token)
        elif args.verb == "revoke":
            if not await tokens.revoke_token(uow, token_id=args.id):
                sys.exit(f"oms token revoke: no live token {args.id}")
            print(f"revoked {args.id}")
        else:
            for t in await tokens.list_tokens(db):
                print(_describe(t))
    finally:
        await db.dispose()


def _describe(t: tokens.TokenInfo) -> str:
    g = t.grant
    state = "revoked" if t.revoked_at else ("expired" if g.expires_at and g.expires_at <= utc_now() else "live")
    parts = [t.id, g.role.value, state, g.label]
    for name, values in (("locations", g.locations), ("channels", g.channels), ("scopes", g.scopes or None)):
        if values is not None:
            parts.append(f"{name}={','.join(sorted(values))}")
    if g.expires_at:
        parts.append(f"expires={g.expires_at.isoformat()}")
    return "  ".join(parts)
