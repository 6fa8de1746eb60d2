"""GraphQL surface for setting a store's click & collect slot policy (contract section 7)."""

from __future__ import annotations

import strawberry

from app.services import slots as service
from domain.errors import DomainError
from domain.local_time import parse_clock
from domain.slots import SlotPolicy
from resolvers.context import Info
from resolvers.errors import UserError, user_error
from resolvers.network import PickupSlotPolicy, slot_policy_node


@strawberry.input(description="A store's opening hours for collection, cut into slots of equal length.")
class PickupSlotPolicyInput:
    location_id: strawberry.ID
    timezone: str = strawberry.field(description='IANA name, e.g. "America/New_York": sets the location\'s zone.')
    opens_at: str = strawberry.field(description='Local "HH:MM".')
    closes_at: str = strawberry.field(description='Local "HH:MM", after opensAt (no overnight hours).')
    slot_minutes: int = strawberry.field(description="5 to 480.")
    capacity_per_slot: int = strawberry.field(description="Orders per slot, 1 to 10000.")
    lead_minutes: int | None = strawberry.field(
        default=None, description="The earliest slot starts this long after now plus the store's turnaround (0)."
    )

    def to_domain(self) -> SlotPolicy:
        return SlotPolicy(
            location_id=str(self.location_id),
            opens_at=parse_clock(self.opens_at, ("input", "opensAt")),
            closes_at=parse_clock(self.closes_at, ("input", "closesAt")),
            slot_minutes=self.slot_minutes,
            capacity_per_slot=self.capacity_per_slot,
            lead_minutes=self.lead_minutes or 0,
        )


@strawberry.type
class PickupSlotPolicyPayload:
    policy: PickupSlotPolicy | None
    user_errors: list[UserError]


@strawberry.type
class SlotPoliciesMutation:
    @strawberry.mutation(description="Set a store's pickup slot policy and its time zone, in one transaction.")
    async def upsert_pickup_slot_policy(self, info: Info, input: PickupSlotPolicyInput) -> PickupSlotPolicyPayload:  # noqa: A002
        try:
            policy, location = await service.upsert_slot_policy(
                info.context.uow(), policy=input.to_domain(), timezone=input.timezone
            )
        except DomainError as error:
            return PickupSlotPolicyPayload(policy=None, user_errors=[user_error(error)])
        info.context.renew_loaders()  # `policy { location { timezone } }` reads the zone just written
        return PickupSlotPolicyPayload(policy=slot_policy_node(policy, location.timezone), user_errors=[])
