"""Queries for availability rules."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store import rows, versions
from app.store.sql import upsert
from app.store.tables.ledger import rule_versions
from app.store.tables.rules import availability_rules
from domain.atp import AvailabilityRule


async def rule_by_id(conn: AsyncConnection, rule_id: str) -> AvailabilityRule | None:
    row = (await conn.execute(select(availability_rules).where(availability_rules.c.id == rule_id))).first()
    return rows.rule_from_row(row) if row else None


async def _version_the_unversioned(conn: AsyncConnection, rule_id: str) -> None:
    """A rule saved before versions were kept gets its first version, at its `updated_at`, before its next
    save or delete is recorded: else that version would hide it from `availability(asOf:)` before then."""
    v = rule_versions.c
    if (await conn.execute(select(v.seq).where(v.rule_id == rule_id).limit(1))).first() is not None:
        return
    row = (await conn.execute(select(availability_rules).where(availability_rules.c.id == rule_id))).first()
    if row is not None:
        body = rows.rule_to_row(rows.rule_from_row(row))
        await conn.execute(rule_versions.insert().values(rule_id=rule_id, at=row.updated_at, body=body))


async def save_rule(conn: AsyncConnection, rule: AvailabilityRule, now: datetime) -> None:
    await _version_the_unversioned(conn, rule.id)
    values = rows.rule_to_row(rule) | {"updated_at": now}
    stmt = upsert(conn, availability_rules).values(**values)
    stmt = stmt.on_conflict_do_update(index_elements=["id"], set_={c: stmt.excluded[c] for c in values if c != "id"})
    await conn.execute(stmt)
    await conn.execute(rule_versions.insert().values(rule_id=rule.id, at=now, body=rows.rule_to_row(rule)))
    await versions.bump(conn, versions.RULES)


async def delete_rule(conn: AsyncConnection, rule_id: str, now: datetime) -> bool:
    await _version_the_unversioned(conn, rule_id)
    result = await conn.execute(delete(availability_rules).where(availability_rules.c.id == rule_id))
    if result.rowcount == 1:
        await conn.execute(rule_versions.insert().values(rule_id=rule_id, at=now, body=None))
    await versions.bump(conn, versions.RULES)
    return result.rowcount == 1


async def rules_at(conn: AsyncConnection, moment: datetime) -> list[AvailabilityRule]:
    """The rules in force at `moment`: each rule's last version then (none if it was deleted); a rule saved
    before versions were kept counts from its `updated_at`."""
    v, r = rule_versions.c, availability_rules.c
    last = select(func.max(v.seq)).where(v.at <= moment).group_by(v.rule_id).scalar_subquery()
    bodies = (await conn.execute(select(v.body).where(v.seq.in_(last)))).scalars()
    found = [rows.rule_from_row(SimpleNamespace(**body)) for body in bodies if body]  # None (JSON null): deleted
    unversioned = select(availability_rules).where(r.updated_at <= moment, r.id.not_in(select(v.rule_id).distinct()))
    found += [rows.rule_from_row(row) for row in await conn.execute(unversioned)]
    return found


async def all_rules(conn: AsyncConnection) -> list[AvailabilityRule]:
    query = select(availability_rules).order_by(availability_rules.c.revision.desc(), availability_rules.c.id)
    return [rows.rule_from_row(row) for row in await conn.execute(query)]
