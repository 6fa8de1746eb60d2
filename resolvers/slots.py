"""GraphQL surface for click & collect slots (contract section 7): the PickupSlot type and its listing.

This module imports no other GraphQL area, so any of them (locations, fulfillment
options, checkout holds) can show a slot without an import circle.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.services.slots import SlotAsk
from domain import slots
from domain.errors import DomainError
from domain.slots import Slot, SlotPolicy
from resolvers.context import Info
from resolvers.errors import bad_request


@strawberry.type(description="A pickup slot at a store: when, how many orders it takes, how many are booked.")
class PickupSlot:
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int
    available: int


def pickup_slot_node(slot: Slot, capacity: int, booked: int) -> PickupSlot:
    return PickupSlot(
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        capacity=capacity,
        booked=booked,
        available=slots.available(capacity, booked),
    )


async def list_slots(
    info: Info,
    location_id: str,
    *,
    timezone: str | None,
    turnaround_hours: float | None,
    start: datetime,
    end: datetime,
) -> list[PickupSlot]:
    """Bookable slots of a location in [start, end), batched with other locations of the request."""
    try:
        slots.check_range(start, end)
    except DomainError as error:
        raise bad_request(error.message) from None
    ask = SlotAsk(location_id, timezone, turnaround_hours, start, end)
    found = await info.context.loaders.pickup_slots.load(ask)
    return [pickup_slot_node(x.slot, x.capacity, x.booked) for x in found]


async def load_policy(info: Info, location_id: str) -> SlotPolicy | None:
    return await info.context.loaders.slot_policy.load(location_id)
