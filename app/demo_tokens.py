"""Tokens for the demo pages: a public storefront token and a console login for one demo store.

`oms serve --demo` keeps them in `var/demo-tokens.json` (mode 600) next to the
generated admin token and reuses them while they are still valid, so restarting
does not pile up tokens; outside the demo nothing here runs.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from app.config import Settings
from app.pubsub import InProcessBroker
from app.services import tokens
from app.services.uow import UnitOfWork
from app.store.db import Database
from domain.access import Role, TokenGrant

DEMO_STORE = "store-001"  # New York Hub 1: zone batches, scan-to-pick, reroute now
DEMO_CHANNEL = "web"


@dataclass(frozen=True, slots=True)
class ConsoleLogin:
    location_id: str
    token: str


def _path(settings: Settings) -> str:
    return os.path.join(os.path.dirname(os.path.abspath(settings.admin_token_file)), "demo-tokens.json")


def _read(path: str) -> dict[str, str]:
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as handle:
        return dict(json.load(handle))


def _write(path: str, kept: dict[str, str]) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
        json.dump(kept, handle)


async def _valid(db: Database, token: str | None) -> bool:
    return token is not None and await tokens.principal_for_token(db, token) is not None


async def ensure(settings: Settings, db: Database) -> tuple[str, ConsoleLogin]:
    """(storefront token, console login), reused from the file when still valid, else minted.

    Runs once at start-up, before the server: the small blocking file reads do not hold up requests."""
    path = _path(settings)
    kept = _read(path)
    storefront = kept.get("storefront")
    if not await _valid(db, storefront):
        grant = TokenGrant(Role.STOREFRONT, "demo storefront", channels=frozenset({DEMO_CHANNEL}))
        storefront = (await tokens.create_token(UnitOfWork(db, InProcessBroker()), grant=grant)).token
    console = kept.get("console")
    if not await _valid(db, console):
        grant = TokenGrant(Role.STORE_MANAGER, f"demo console {DEMO_STORE}", locations=frozenset({DEMO_STORE}))
        console = (await tokens.create_token(UnitOfWork(db, InProcessBroker()), grant=grant)).token
    assert storefront is not None and console is not None
    _write(path, {"storefront": storefront, "console": console})
    return storefront, ConsoleLogin(DEMO_STORE, console)
