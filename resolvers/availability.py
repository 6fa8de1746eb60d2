"""GraphQL surface for availability to promise (contract section 2): the root fields; the types are in product."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry

from app.services.availability import AvailabilityKey
from app.services.history import availability_as_of
from app.services.uow import utc_now
from app.services.watch import watch_availability
from domain.atp import SkuAvailability
from domain.errors import InvalidInput
from resolvers.context import Info
from resolvers.errors import bad_request, forbidden
from resolvers.product import Availability, Product, availability_node

# Product is re-exported: it is the entity this area contributes to (resolvers.schema names it from here).
__all__ = ["MAX_SKUS", "AvailabilityQuery", "AvailabilitySubscription", "Product"]

MAX_SKUS = 500


def _keys(
    skus: list[str], channel: str, market: str, location_ids: list[strawberry.ID] | None
) -> list[AvailabilityKey]:
    if len(skus) > MAX_SKUS:
        raise bad_request(f"At most {MAX_SKUS} skus per request")
    ids = tuple(sorted(str(i) for i in location_ids)) if location_ids is not None else None
    return [AvailabilityKey(sku, channel, market, ids) for sku in dict.fromkeys(skus)]


async def _as_of(info: Info, keys: list[AvailabilityKey], as_of: datetime) -> list[SkuAvailability]:
    if not info.context.principal.is_staff:
        raise forbidden("availability(asOf:) is for staff")
    try:
        return await availability_as_of(info.context.resources.availability, keys, as_of, utc_now())
    except InvalidInput as error:
        raise bad_request(str(error)) from None


@strawberry.type
class AvailabilityQuery:
    @strawberry.field(
        description="Availability to promise for SKUs in a channel and market, optionally at some locations."
    )
    async def availability(
        self,
        info: Info,
        *,
        skus: list[str],
        channel: str,
        market: str,
        location_ids: list[strawberry.ID] | None = None,
        as_of: datetime | None = None,
    ) -> list[Availability]:
        keys = _keys(skus, channel, market, location_ids)
        if as_of is not None:  # the past, from the inventory ledger and the rules in force then (staff only)
            found = await _as_of(info, keys, as_of)
        else:
            found = await info.context.loaders.availability.load_many(keys)
        by_sku = {f.sku: availability_node(f) for f in found}
        return [by_sku[sku] for sku in skus]

    @strawberry.field(
        description="A product by SKU with this subgraph's fields, for callers that do not go through a gateway. "
        "Not `product`: that root field belongs to the catalog subgraph in a supergraph."
    )
    def oms_product(self, sku: str) -> Product:
        return Product(sku=sku)


class SharedNodes:
    """One node per availability value, made once for every subscriber: shared reads hand each subscriber
    of a replica the same value, and a node sums all its locations (four totals) when it is made."""

    KEEP = 256  # the most recent values; an older one only costs making its node again

    def __init__(self) -> None:
        self._made: dict[int, tuple[SkuAvailability, Availability]] = {}

    def node(self, found: SkuAvailability) -> Availability:
        made = self._made.get(id(found))
        if made is not None and made[0] is found:  # the entry holds the value: its id is not reused
            return made[1]
        node = availability_node(found)
        self._made.pop(id(found), None)
        self._made[id(found)] = (found, node)
        if len(self._made) > self.KEEP:
            del self._made[next(iter(self._made))]
        return node


NODES = SharedNodes()


@strawberry.type
class AvailabilitySubscription:
    @strawberry.subscription(
        description="Pushes a SKU's availability each time a change moves it (never an unchanged value)."
    )
    async def availability_changed(
        self, info: Info, skus: list[str], channel: str, market: str
    ) -> AsyncGenerator[Availability, None]:
        keys = _keys(skus, channel, market, None)
        async for changed in watch_availability(info.context.resources, keys):
            yield NODES.node(changed)
