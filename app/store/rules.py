"""Queries for availability rules."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store import rows
from app.store.sql import upsert
from app.store.tables import availability_rules, items
from domain.atp import AvailabilityRule


async def rules_for(
    conn: AsyncConnection, skus: Iterable[str], channels: Iterable[str], markets: Iterable[str]
) -> list[AvailabilityRule]:
    """One statement: every rule that can match any of these SKUs in these channels and markets."""
    r = availability_rules.c
    sku_list = sorted(set(skus))
    categories = select(items.c.category).where(items.c.sku.in_(sku_list)).scalar_subquery()
    query = select(availability_rules).where(
        or_(r.sku.is_(None), r.sku.in_(sku_list)),
        or_(r.category.is_(None), r.category.in_(categories)),
        or_(r.channel.is_(None), r.channel.in_(sorted(set(channels)))),
        or_(r.market.is_(None), r.market.in_(sorted(set(markets)))),
    )
    return [rows.rule_from_row(row) for row in await conn.execute(query)]


async def rule_by_id(conn: AsyncConnection, rule_id: str) -> AvailabilityRule | None:
    row = (await conn.execute(select(availability_rules).where(availability_rules.c.id == rule_id))).first()
    return rows.rule_from_row(row) if row else None


async def save_rule(conn: AsyncConnection, rule: AvailabilityRule, now: datetime) -> None:
    values = rows.rule_to_row(rule) | {"updated_at": now}
    stmt = upsert(conn, availability_rules).values(**values)
    stmt = stmt.on_conflict_do_update(index_elements=["id"], set_={c: stmt.excluded[c] for c in values if c != "id"})
    await conn.execute(stmt)


async def delete_rule(conn: AsyncConnection, rule_id: str) -> bool:
    result = await conn.execute(delete(availability_rules).where(availability_rules.c.id == rule_id))
    return result.rowcount == 1


async def all_rules(conn: AsyncConnection) -> list[AvailabilityRule]:
    query = select(availability_rules).order_by(availability_rules.c.revision.desc(), availability_rules.c.id)
    return [rows.rule_from_row(row) for row in await conn.execute(query)]
