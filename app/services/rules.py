"""Use cases: create, change and delete availability rules.

A rule change can move ATP for many SKUs at once; subscribers are told which
SKUs (a SKU-scoped rule), which category, or that every SKU may have moved.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from app.services.inventory import AVAILABILITY_TOPIC
from app.services.uow import UnitOfWork
from app.store import rules as rule_store
from app.store.catalog import existing_location_ids
from app.store.db import Database
from domain import atp
from domain.atp import AvailabilityRule
from domain.errors import InvalidInput, NotFound


def _revision(uow: UnitOfWork) -> int:
    """Later changes win ties: the commit clock in microseconds."""
    return int(uow.now.timestamp() * 1_000_000)


async def upsert_rule(uow: UnitOfWork, *, rule: AvailabilityRule) -> AvailabilityRule:
    """Create (no id: one is generated) or replace the rule with this id."""
    atp.validate_rule(rule)
    if not rule.id:
        rule = replace(rule, id=f"rule-{uuid.uuid4().hex[:12]}")
    async with uow:
        if rule.location_id and not await existing_location_ids(uow.conn, [rule.location_id]):
            raise InvalidInput(f"Unknown location {rule.location_id!r}", ("locationId",))
        rule = replace(rule, revision=_revision(uow))
        await rule_store.save_rule(uow.conn, rule, uow.now)
        uow.emit(AVAILABILITY_TOPIC, _scope_message(rule))
    return rule


async def delete_rule(uow: UnitOfWork, *, rule_id: str) -> str:
    async with uow:
        rule = await rule_store.rule_by_id(uow.conn, rule_id)
        if rule is None or not await rule_store.delete_rule(uow.conn, rule_id, uow.now):
            raise NotFound(f"No availability rule {rule_id!r}", ("id",))
        uow.emit(AVAILABILITY_TOPIC, _scope_message(rule))
    return rule_id


def _scope_message(rule: AvailabilityRule) -> dict[str, object]:
    if rule.sku is not None:
        return {"skus": [rule.sku]}
    if rule.category is not None:
        return {"category": rule.category}
    return {"all": True}


async def list_rules(db: Database) -> list[AvailabilityRule]:
    async with db.read() as conn:
        return await rule_store.all_rules(conn)
