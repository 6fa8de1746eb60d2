"""The committed `schema.graphql` is what the code serves, and the migrations build the tables."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from app.store.tables import metadata
from oms.cli import schema_sdl
from resolvers.schema import create_schema

ROOT = Path(__file__).resolve().parent.parent


def test_schema_graphql_is_not_stale() -> None:
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed == schema_sdl(create_schema()), "schema.graphql is stale: run `make schema`"


def test_migrations_create_exactly_the_declared_tables(tmp_path: Path) -> None:
    import asyncio

    from app.store import migrate
    from app.store.db import Database

    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    db = Database(url)
    asyncio.run(migrate.upgrade(db))
    asyncio.run(db.dispose())
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == [], f"tables.py and the migrations differ: {diff}"
