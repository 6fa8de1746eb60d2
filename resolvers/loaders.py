"""One DataLoader per relation, built per request (aiodataloader binds the loop).

Each batch opens its own short read, so fields resolving concurrently never
share a connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from aiodataloader import DataLoader

from app.services import lookups
from app.services.availability import AvailabilityKey, availability_for
from app.store.db import Database
from domain.atp import SkuAvailability
from domain.items import Item
from domain.locations import Location


@dataclass(slots=True)
class Loaders:
    location: DataLoader[str, Location | None]
    item: DataLoader[str, Item | None]
    availability: DataLoader[AvailabilityKey, SkuAvailability]


def make_loaders(db: Database) -> Loaders:
    async def load_availability(keys: Sequence[AvailabilityKey]) -> list[SkuAvailability]:
        return await availability_for(db, keys)

    return Loaders(
        location=DataLoader(partial(lookups.locations_by_id, db)),
        item=DataLoader(partial(lookups.items_by_sku, db)),
        availability=DataLoader(load_availability),
    )
