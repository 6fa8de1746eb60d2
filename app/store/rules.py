"""Queries for availability rules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store import rows, versions
from app.store.sql import upsert
from app.store.tables.rules import availability_rules
from domain.atp import AvailabilityRule


async def rule_by_id(conn: AsyncConnection, rule_id: str) -> AvailabilityRule | None:
    row = (await conn.execute(select(availability_rules).where(availability_rules.c.id == rule_id))).first()
    return rows.rule_from_row(row) if row else None


async def save_rule(conn: AsyncConnection, rule: AvailabilityRule, now: datetime) -> None:
    values = rows.rule_to_row(rule) | {"updated_at": now}
    stmt = upsert(conn, availability_rules).values(**values)
    stmt = stmt.on_conflict_do_update(index_elements=["id"], set_={c: stmt.excluded[c] for c in values if c != "id"})
    await conn.execute(stmt)
    await versions.bump(conn, versions.RULES)


async def delete_rule(conn: AsyncConnection, rule_id: str) -> bool:
    result = await conn.execute(delete(availability_rules).where(availability_rules.c.id == rule_id))
    await versions.bump(conn, versions.RULES)
    return result.rowcount == 1


async def all_rules(conn: AsyncConnection) -> list[AvailabilityRule]:
    query = select(availability_rules).order_by(availability_rules.c.revision.desc(), availability_rules.c.id)
    return [rows.rule_from_row(row) for row in await conn.execute(query)]
