"""Tokens for every kind of caller, made through the token service as `oms token create` does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.services import tokens
from domain.access import SCOPES, Role, TokenGrant
from tests.harness import ADMIN_TOKEN, RunningServer


@dataclass(frozen=True)
class Caller:
    name: str
    role: Role | None  # None: anonymous
    token: str | None
    bound: bool = False  # bound to locations or channels
    scoped_out: bool = False  # an integration token without any scope


async def issue(server: RunningServer, grant: TokenGrant) -> str:
    return (await tokens.create_token(server.resources.uow(), grant=grant)).token


async def token_for(
    server: RunningServer,
    role: Role,
    *,
    locations: set[str] | None = None,
    channels: set[str] | None = None,
    scopes: set[str] | None = None,
    expires_at: datetime | None = None,
) -> str:
    grant = TokenGrant(
        role,
        f"test-{role.value.lower()}",
        frozenset(locations) if locations is not None else None,
        frozenset(channels) if channels is not None else None,
        frozenset(scopes or ()),
        expires_at,
    )
    return await issue(server, grant)


async def every_caller(server: RunningServer, place: str = "x") -> list[Caller]:
    """One caller per role (store staff bound to `place`, the storefront to channel `place`), plus edge cases."""
    return [
        Caller("anonymous", None, None),
        Caller("admin", Role.ADMIN, ADMIN_TOKEN),
        Caller("agent", Role.AGENT, await token_for(server, Role.AGENT)),
        Caller(
            "associate",
            Role.STORE_ASSOCIATE,
            await token_for(server, Role.STORE_ASSOCIATE, locations={place}),
            bound=True,
        ),
        Caller(
            "manager", Role.STORE_MANAGER, await token_for(server, Role.STORE_MANAGER, locations={place}), bound=True
        ),
        Caller("integration", Role.INTEGRATION, await token_for(server, Role.INTEGRATION, scopes=set(SCOPES))),
        Caller("integration-unscoped", Role.INTEGRATION, await token_for(server, Role.INTEGRATION), scoped_out=True),
        Caller("storefront", Role.STOREFRONT, await token_for(server, Role.STOREFRONT, channels={place}), bound=True),
    ]
