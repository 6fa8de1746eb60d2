"""Use case: availability to promise for many SKUs, in two statements.

Loads the positions (joined with their locations and the SKUs' categories)
and the rules that can apply, then lets `domain.atp` decide every number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.store import positions, rules
from app.store.db import Database
from domain import atp


@dataclass(frozen=True, slots=True)
class AvailabilityKey:
    sku: str
    channel: str
    market: str
    location_ids: tuple[str, ...] | None = None


async def availability_for(db: Database, keys: Sequence[AvailabilityKey]) -> list[atp.SkuAvailability]:
    """Availability for each key, in the keys' order."""
    if not keys:
        return []
    filters = {k.location_ids for k in keys}
    location_filter = None if None in filters or len(filters) > 1 else next(iter(filters))
    async with db.read() as conn:
        stock = await positions.stock_for(conn, (k.sku for k in keys), location_filter)
        applicable = await rules.rules_for(conn, stock.positions, (k.channel for k in keys), (k.market for k in keys))
    results = []
    for key in keys:
        held = stock.positions.get(key.sku, [])
        if key.location_ids is not None:
            wanted = set(key.location_ids)
            held = [p for p in held if p.location_id in wanted]
        category = stock.categories.get(key.sku)
        results.append(
            atp.availability(
                key.sku,
                key.channel,
                key.market,
                positions=held,
                locations=stock.locations,
                category=category,
                rules=applicable,
            )
        )
    return results
