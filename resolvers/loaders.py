"""One DataLoader per relation, built per request (aiodataloader binds the loop).

Each batch opens its own short read, so fields resolving concurrently never
share a connection. With tracing on, each batch is a span (`dataloader <relation>`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from aiodataloader import DataLoader

from app.resources import Resources
from app.services import lookups, postal
from app.services.availability import AvailabilityKey
from app.services.recommendations import RecommendationAsk, recommend
from app.services.slots import SlotAsk, policies_by_location, slot_listings
from domain.atp import SkuAvailability
from domain.items import Item
from domain.locations import Geo, Location
from domain.orders import Fulfillment, Order, OrderEvent
from domain.picking import FulfillmentProgress, PickProcess, StoreRecord
from domain.recommendations import Recommendation
from domain.slots import OpenSlot, SlotPolicy
from resolvers.tracing import traced_batch as traced


@dataclass(slots=True)
class Loaders:
    location: DataLoader[str, Location | None]
    item: DataLoader[str, Item | None]
    availability: DataLoader[AvailabilityKey, SkuAvailability]
    order: DataLoader[str, Order | None]
    fulfillments: DataLoader[str, list[Fulfillment]]
    order_events: DataLoader[str, list[OrderEvent]]
    recommendations: DataLoader[RecommendationAsk, list[Recommendation]]
    fulfillment_progress: DataLoader[str, FulfillmentProgress | None]
    store_record: DataLoader[str, StoreRecord]
    pick_process: DataLoader[str, PickProcess | None]
    slot_policy: DataLoader[str, SlotPolicy | None]
    pickup_slots: DataLoader[SlotAsk, list[OpenSlot]]
    postal_geo: DataLoader[tuple[str, str], Geo | None]  # (country, normalised code)


def make_loaders(resources: Resources) -> Loaders:
    db = resources.db

    async def load_availability(keys: Sequence[AvailabilityKey]) -> list[SkuAvailability]:
        return await resources.availability.read(keys)

    return Loaders(
        location=DataLoader(traced("location", partial(lookups.locations_by_id, db))),
        item=DataLoader(traced("item", partial(lookups.items_by_sku, db))),
        availability=DataLoader(traced("availability", load_availability)),
        order=DataLoader(traced("order", partial(lookups.orders_by_id, db))),
        fulfillments=DataLoader(traced("fulfillments", partial(lookups.fulfillments_by_order, db))),
        order_events=DataLoader(traced("order_events", partial(lookups.events_by_order, db))),
        recommendations=DataLoader(traced("recommendations", partial(recommend, resources))),
        fulfillment_progress=DataLoader(traced("fulfillment_progress", partial(lookups.progress_by_fulfillment, db))),
        store_record=DataLoader(traced("store_record", partial(lookups.store_records, db))),
        pick_process=DataLoader(traced("pick_process", partial(lookups.pick_processes, db))),
        slot_policy=DataLoader(traced("slot_policy", partial(policies_by_location, db))),
        pickup_slots=DataLoader(traced("pickup_slots", partial(slot_listings, db))),
        postal_geo=DataLoader(traced("postal_geo", partial(postal.geos_for, db))),
    )
