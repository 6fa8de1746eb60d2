"""GraphQL surface for availability rules (contract section 2)."""

from __future__ import annotations

import strawberry

from app.services import rules
from domain.atp import AvailabilityRule as Rule
from domain.errors import DomainError
from resolvers.context import Info
from resolvers.errors import UserError, user_error
from resolvers.network import LocationType


@strawberry.input(description="Scope (null matches everything) and effects of an availability rule.")
class AvailabilityRuleInput:
    id: strawberry.ID | None = strawberry.field(default=None, description="Omit to create; an unknown id creates it.")
    channel: str | None = None
    market: str | None = None
    location_type: LocationType | None = None  # type: ignore[valid-type]
    location_id: strawberry.ID | None = None
    category: str | None = None
    sku: str | None = None
    safety_stock: int | None = strawberry.field(default=None, description="Units held back.")
    buffer_percent: float | None = strawberry.field(default=None, description="Percent of on-hand held back.")
    max_exposed: int | None = strawberry.field(default=None, description="At most this many units shown per location.")
    exclude: bool | None = strawberry.field(
        default=None, description="true: not sellable in this scope; false: sellable (overrides a wider exclude)."
    )

    def to_domain(self) -> Rule:
        return Rule(
            id=str(self.id) if self.id else "",
            channel=self.channel,
            market=self.market,
            location_type=self.location_type,
            location_id=str(self.location_id) if self.location_id else None,
            category=self.category,
            sku=self.sku,
            safety_stock=self.safety_stock,
            buffer_percent=self.buffer_percent,
            max_exposed=self.max_exposed,
            exclude=self.exclude,
        )


@strawberry.type
class AvailabilityRule:
    id: strawberry.ID
    channel: str | None
    market: str | None
    location_type: LocationType | None  # type: ignore[valid-type]
    location_id: strawberry.ID | None
    category: str | None
    sku: str | None
    safety_stock: int | None
    buffer_percent: float | None
    max_exposed: int | None
    exclude: bool | None


def rule_node(rule: Rule) -> AvailabilityRule:
    return AvailabilityRule(
        id=strawberry.ID(rule.id),
        channel=rule.channel,
        market=rule.market,
        location_type=rule.location_type,
        location_id=strawberry.ID(rule.location_id) if rule.location_id else None,
        category=rule.category,
        sku=rule.sku,
        safety_stock=rule.safety_stock,
        buffer_percent=rule.buffer_percent,
        max_exposed=rule.max_exposed,
        exclude=rule.exclude,
    )


@strawberry.type
class AvailabilityRulePayload:
    rule: AvailabilityRule | None
    user_errors: list[UserError]


@strawberry.type
class DeleteAvailabilityRulePayload:
    deleted_id: strawberry.ID | None
    user_errors: list[UserError]


@strawberry.type
class RulesQuery:
    @strawberry.field(description="Every availability rule, most recently changed first (staff).")
    async def availability_rules(self, info: Info) -> list[AvailabilityRule]:
        info.context.require_staff()
        return [rule_node(r) for r in await rules.list_rules(info.context.resources.db)]


@strawberry.type
class RulesMutation:
    @strawberry.mutation(description="Create or replace an availability rule.")
    async def upsert_availability_rule(self, info: Info, input: AvailabilityRuleInput) -> AvailabilityRulePayload:  # noqa: A002
        info.context.require_staff()
        try:
            saved = await rules.upsert_rule(info.context.uow(), rule=input.to_domain())
        except DomainError as error:
            return AvailabilityRulePayload(rule=None, user_errors=[user_error(error)])
        return AvailabilityRulePayload(rule=rule_node(saved), user_errors=[])

    @strawberry.mutation(description="Delete an availability rule.")
    async def delete_availability_rule(self, info: Info, id: strawberry.ID) -> DeleteAvailabilityRulePayload:  # noqa: A002
        info.context.require_staff()
        try:
            deleted = await rules.delete_rule(info.context.uow(), rule_id=str(id))
        except DomainError as error:
            return DeleteAvailabilityRulePayload(deleted_id=None, user_errors=[user_error(error)])
        return DeleteAvailabilityRulePayload(deleted_id=strawberry.ID(deleted), user_errors=[])
