"""Dialect helpers shared by the query modules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def upsert(conn: AsyncConnection, table: Table) -> Any:
    """`INSERT` that supports ON CONFLICT on both backends."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def for_update(conn: AsyncConnection, query: Any) -> Any:
    """Lock the selected rows for this transaction on PostgreSQL; SQLite's write transaction holds the
    database lock already (`BEGIN IMMEDIATE`)."""
    return query.with_for_update() if conn.dialect.name == "postgresql" else query


def within(conn: AsyncConnection, value: Any, low: int, high: int) -> Any:
    """`value` held between `low` and `high` (SQLite's two-argument min/max, PostgreSQL's least/greatest)."""
    sqlite = conn.dialect.name == "sqlite"
    return (func.max if sqlite else func.greatest)((func.min if sqlite else func.least)(value, high), low)


def at_least_zero(conn: AsyncConnection, value: Any) -> Any:
    """`value`, never below 0 (SQLite's two-argument max, PostgreSQL's greatest)."""
    return (func.max if conn.dialect.name == "sqlite" else func.greatest)(value, 0)
