"""GraphQL surface for locations and items (contract section 1)."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Annotated, Any

import strawberry

from app.services import network
from domain import items as item_domain
from domain import locations as loc
from domain.errors import DomainError
from domain.slots import SlotPolicy
from resolvers.context import Info
from resolvers.errors import UserError, user_error, user_errors
from resolvers.slots import PickupSlot, list_slots, load_policy

LocationType = strawberry.enum(loc.LocationType, description="What kind of place holds the stock.")
FulfillmentMethod = strawberry.enum(loc.FulfillmentMethod, description="How the customer gets the goods.")


@strawberry.type
class Geo:
    lat: float
    lon: float


@strawberry.federation.type(keys=["id"], description="A store, hub store, warehouse, dark store or drop-ship vendor.")
class Location:
    id: strawberry.ID
    name: str
    type: LocationType  # type: ignore[valid-type]
    markets: list[str]
    geo: Geo
    capabilities: list[FulfillmentMethod]  # type: ignore[valid-type]
    priority: int
    daily_capacity: int | None
    turnaround_hours: float | None
    pick_process_id: strawberry.ID | None
    handling_cost: float | None
    active: bool
    timezone: str | None = strawberry.field(  # the contract writes `String`; it is never null (default UTC)
        description="IANA time zone; days for capacity and pickup slots are local days (UTC unless set)."
    )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID, **extra: Any) -> Location | None:  # noqa: A002
        return await load_location(info, str(id))

    @strawberry.field(description="Share of pick lines picked in full here (1.0 until anything is recorded).")
    async def pick_accuracy(self, info: Info) -> float:
        info.context.require_staff()
        return (await info.context.loaders.store_record.load(str(self.id))).pick_accuracy

    @strawberry.field(description="Share of hand-overs within the location's turnaround (1.0 until any).")
    async def on_time_rate(self, info: Info) -> float:
        info.context.require_staff()
        return (await info.context.loaders.store_record.load(str(self.id))).on_time_rate

    @strawberry.field(description="What sourcing's performance criterion uses: pick accuracy x on-time rate.")
    async def performance(self, info: Info) -> float:
        info.context.require_staff()
        return (await info.context.loaders.store_record.load(str(self.id))).performance

    @strawberry.field(
        description="Bookable click & collect slots starting in [from, to), at most 31 days; empty "
        "without a slot policy. Slots before now + turnaround + the policy's lead are left out."
    )
    async def pickup_slots(
        self, info: Info, from_: Annotated[datetime, strawberry.argument(name="from")], to: datetime
    ) -> list[PickupSlot]:
        return await list_slots(
            info,
            str(self.id),
            timezone=self.timezone or "UTC",
            turnaround_hours=self.turnaround_hours,
            start=from_,
            end=to,
        )

    @strawberry.field(description="The store's click & collect slot policy; null when it has none.")
    async def pickup_slot_policy(self, info: Info) -> PickupSlotPolicy | None:
        found = await load_policy(info, str(self.id))
        return slot_policy_node(found, self.timezone) if found else None


@strawberry.type(description="A store's click & collect slots: local opening hours cut into slots of equal length.")
class PickupSlotPolicy:
    location_id: strawberry.Private[str]
    timezone: str = strawberry.field(description="The location's IANA time zone; opensAt and closesAt are local.")
    opens_at: str
    closes_at: str
    slot_minutes: int
    capacity_per_slot: int = strawberry.field(description="Orders each slot takes.")
    lead_minutes: int

    @strawberry.field(description="The pickup store.")
    async def location(self, info: Info) -> Location:
        return await stored_location(info, self.location_id)


def slot_policy_node(policy: SlotPolicy, timezone: str | None) -> PickupSlotPolicy:
    return PickupSlotPolicy(
        location_id=policy.location_id,
        timezone=timezone or "UTC",
        opens_at=policy.opens_at.isoformat("minutes"),
        closes_at=policy.closes_at.isoformat("minutes"),
        slot_minutes=policy.slot_minutes,
        capacity_per_slot=policy.capacity_per_slot,
        lead_minutes=policy.lead_minutes,
    )


@functools.lru_cache(maxsize=4096)
def location_node(location: loc.Location) -> Location:
    """GraphQL node of a location; cached by value (locations are immutable values)."""
    return Location(
        id=strawberry.ID(location.id),
        name=location.name,
        type=location.type,
        markets=list(location.markets),
        geo=Geo(lat=location.geo.lat, lon=location.geo.lon),
        capabilities=list(location.capabilities),
        priority=location.priority,
        daily_capacity=location.daily_capacity,
        turnaround_hours=location.turnaround_hours,
        pick_process_id=strawberry.ID(location.pick_process_id) if location.pick_process_id else None,
        handling_cost=location.handling_cost,
        active=location.active,
        timezone=location.timezone or "UTC",
    )


async def load_location(info: Info, location_id: str | None) -> Location | None:
    """The Location node for an id, through the request's dataloader (None for no id or an unknown one)."""
    found = await info.context.loaders.location.load(location_id) if location_id else None
    return location_node(found) if found else None


async def stored_location(info: Info, location_id: str) -> Location:
    """For references the database guarantees (allocations, fulfillments, recommendations)."""
    found = await load_location(info, location_id)
    assert found is not None, f"location {location_id} is referenced but not stored"
    return found


@strawberry.input
class GeoInput:
    lat: float
    lon: float


@strawberry.input(
    description="Where the goods go: coordinates drive distance and ETAs. Without geo, postalCode and country "
    "stand for the postal code's centre (US ZIPs are known; other countries once imported)."
)
class DestinationInput:
    geo: GeoInput | None = None
    postal_code: str | None = None
    country: str | None = None


@strawberry.input(description="A location, identified by the client's stable reference.")
class LocationInput:
    id: strawberry.ID
    name: str
    type: LocationType  # type: ignore[valid-type]
    markets: list[str]
    geo: GeoInput
    capabilities: list[FulfillmentMethod]  # type: ignore[valid-type]
    priority: int | None = None
    daily_capacity: int | None = None
    turnaround_hours: float | None = None
    pick_process_id: strawberry.ID | None = None
    handling_cost: float | None = None
    active: bool | None = None
    timezone: str | None = strawberry.field(
        default=None, description="IANA time zone (default UTC; null keeps the one set before)."
    )

    def to_domain(self) -> loc.Location:
        return loc.Location(
            id=str(self.id),
            name=self.name,
            type=self.type,
            markets=tuple(self.markets),
            geo=loc.Geo(self.geo.lat, self.geo.lon),
            capabilities=tuple(self.capabilities),
            priority=self.priority or 0,
            daily_capacity=self.daily_capacity,
            turnaround_hours=self.turnaround_hours,
            pick_process_id=str(self.pick_process_id) if self.pick_process_id else None,
            handling_cost=self.handling_cost,
            active=True if self.active is None else self.active,
            timezone=self.timezone,
        )


@strawberry.input(description="What the OMS keeps of a SKU: category, barcodes, zone, pre-order terms.")
class ItemInput:
    sku: str
    category: str
    barcodes: list[str] | None = None
    zone: str | None = None
    release_at: datetime | None = strawberry.field(
        default=None, description="In the future: orders are taken only as pre-orders until then (null: released)."
    )
    preorder_limit: int | None = strawberry.field(
        default=None, description="Units that may be pre-ordered in all (null: no limit)."
    )

    def to_domain(self) -> item_domain.Item:
        return item_domain.Item(
            self.sku, self.category, tuple(self.barcodes or ()), self.zone, self.release_at, self.preorder_limit
        )


@strawberry.type
class Item:
    sku: str
    category: str
    barcodes: list[str]
    zone: str | None
    release_at: datetime | None = None
    preorder_limit: int | None = None


def item_node(item: item_domain.Item) -> Item:
    return Item(
        sku=item.sku,
        category=item.category,
        barcodes=list(item.barcodes),
        zone=item.zone,
        release_at=item.release_at,
        preorder_limit=item.preorder_limit,
    )


@strawberry.type
class UpsertLocationsPayload:
    locations: list[Location]
    user_errors: list[UserError]


@strawberry.type
class UpsertItemsPayload:
    count: int
    user_errors: list[UserError]


@strawberry.type
class NetworkQuery:
    @strawberry.field(description="One location by id.")
    async def location(self, info: Info, id: strawberry.ID) -> Location | None:  # noqa: A002
        return await load_location(info, str(id))

    @strawberry.field(description="Locations, optionally those serving a market or of a type.")
    async def locations(
        self,
        info: Info,
        market: str | None = None,
        type: LocationType | None = None,  # type: ignore[valid-type]  # noqa: A002
    ) -> list[Location]:
        found = await network.list_locations(info.context.resources.db, market=market, type_=type)
        return [location_node(x) for x in found]

    @strawberry.field(description="Items by SKU (unknown SKUs are left out).")
    async def items(self, info: Info, skus: list[str]) -> list[Item]:
        found = await info.context.loaders.item.load_many(skus)
        return [item_node(x) for x in found if x is not None]


@strawberry.type
class NetworkMutation:
    @strawberry.mutation(description="Create or update locations; each bad entry fails alone.")
    async def upsert_locations(self, info: Info, input: list[LocationInput]) -> UpsertLocationsPayload:  # noqa: A002
        info.context.require_staff()
        try:
            result = await network.upsert_locations(info.context.uow(), batch=[i.to_domain() for i in input])
        except DomainError as error:
            return UpsertLocationsPayload(locations=[], user_errors=[user_error(error)])
        return UpsertLocationsPayload(
            locations=[location_node(x) for x in result.saved], user_errors=user_errors(result.errors)
        )

    @strawberry.mutation(description="Create or update items; each bad entry fails alone.")
    async def upsert_items(self, info: Info, input: list[ItemInput]) -> UpsertItemsPayload:  # noqa: A002
        info.context.require_staff()
        try:
            result = await network.upsert_items(info.context.uow(), batch=[i.to_domain() for i in input])
        except DomainError as error:
            return UpsertItemsPayload(count=0, user_errors=[user_error(error)])
        return UpsertItemsPayload(count=len(result.saved), user_errors=user_errors(result.errors))
