"""Apply Alembic migrations from code (CLI, server start-up, tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text

from app.store.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


MIGRATION_LOCK = 7_146_000_001  # a PostgreSQL advisory lock key of our own


async def upgrade(db: Database, revision: str = "head") -> None:
    """Replicas or workers starting together migrate one at a time: on PostgreSQL the upgrade holds a
    transaction-scoped advisory lock, so the next one waits and then finds the schema at head."""
    async with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        await conn.run_sync(_run, command.upgrade, revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _run(sync_connection: Any, operation: Any, *args: Any, **kwargs: Any) -> None:
    config = alembic_config()
    config.attributes["connection"] = sync_connection
    operation(config, *args, **kwargs)
