"""GraphQL surface for inventory feeds (contract section 1)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.services.inventory import sync_inventory
from domain import inventory
from domain.errors import DomainError
from resolvers.context import Info
from resolvers.errors import UserError, user_error, user_errors

InventorySyncMode = strawberry.enum(
    inventory.SyncMode,
    name="InventorySyncMode",
    description="SNAPSHOT: counted on-hand as of asOf. DELTA: a change, identified by eventId.",
)


@strawberry.input
class InventoryUpdateInput:
    sku: str
    location_id: strawberry.ID
    quantity: int = strawberry.field(description="SNAPSHOT: the counted on-hand; DELTA: the change.")
    as_of: datetime = strawberry.field(description="When the source observed it.")
    inbound: int | None = strawberry.field(
        default=None, description="Expected inbound units; replaces the last figure."
    )
    inbound_eta: datetime | None = None
    event_id: str | None = strawberry.field(default=None, description="DELTA: replays of the same eventId are no-ops.")

    def to_domain(self) -> inventory.InventoryUpdate:
        return inventory.InventoryUpdate(
            sku=self.sku,
            location_id=str(self.location_id),
            quantity=self.quantity,
            as_of=self.as_of,
            inbound=self.inbound,
            inbound_eta=self.inbound_eta,
            event_id=self.event_id,
        )


@strawberry.input
class InventorySyncInput:
    source: str
    mode: InventorySyncMode  # type: ignore[valid-type]
    updates: list[InventoryUpdateInput]


@strawberry.type
class InventorySyncPayload:
    applied: int
    ignored_stale: int
    duplicates: int
    user_errors: list[UserError]


@strawberry.type
class InventoryMutation:
    @strawberry.mutation(
        description="Apply a POS/WMS/ERP feed; stale snapshots and replayed deltas are counted, not applied."
    )
    async def sync_inventory(self, info: Info, input: InventorySyncInput) -> InventorySyncPayload:  # noqa: A002
        info.context.require_staff()
        try:
            outcome, errors = await sync_inventory(
                info.context.uow(), source=input.source, mode=input.mode, updates=[u.to_domain() for u in input.updates]
            )
        except DomainError as error:
            return InventorySyncPayload(applied=0, ignored_stale=0, duplicates=0, user_errors=[user_error(error)])
        return InventorySyncPayload(
            applied=outcome.applied,
            ignored_stale=outcome.ignored_stale,
            duplicates=outcome.duplicates,
            user_errors=user_errors(errors),
        )
