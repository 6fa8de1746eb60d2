"""Fixed synthetic networks for load and scale benchmarks (`oms seed --scale large`).

Deterministic: the same scale always yields the same locations, items and
stock, so a seeded database can be cached and reused (bench/network.py keys its
cache by GENERATOR_VERSION: bump it whenever the output changes).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from domain.inventory import InventoryUpdate
from domain.items import Item
from domain.locations import FulfillmentMethod, Geo, Location, LocationType

GENERATOR_VERSION = 1


@dataclass(frozen=True)
class Scale:
    locations: int
    skus: int
    hot: int  # SKUs 0..hot-1 are stocked at every location (a PDP shows all of them)
    stocked: float  # share of the other (sku, location) positions that hold a position


SCALES = {
    "small": Scale(locations=20, skus=1_000, hot=20, stocked=0.2),
    "large": Scale(locations=200, skus=50_000, hot=100, stocked=0.2),  # 10,000,000 possible, ~2,000,000 stocked
}


def sku(n: int) -> str:
    return f"L-{n:05d}"


def locations(count: int) -> list[Location]:
    """`count` locations, the same for the same count: every tenth a warehouse, every tenth a hub store."""
    rng = random.Random(1)
    kinds = [LocationType.STORE] * 8 + [LocationType.HUB_STORE, LocationType.WAREHOUSE]
    ship_pickup = (FulfillmentMethod.SHIP, FulfillmentMethod.PICKUP)
    return [
        Location(
            id=f"loc-{n:03d}",
            name=f"Location {n}",
            type=kinds[n % len(kinds)],
            markets=("US",) if n % 5 else ("US", "CA"),
            geo=Geo(round(rng.uniform(30, 48), 4), round(rng.uniform(-122, -71), 4)),
            capabilities=ship_pickup,
            priority=n % 20,
            daily_capacity=None,
            turnaround_hours=4.0,
        )
        for n in range(count)
    ]


def items(scale: Scale) -> list[Item]:
    return [Item(sku(n), f"cat-{n % 40}", (f"9{n:012d}",), "A") for n in range(scale.skus)]


def stock(scale: Scale, as_of: datetime) -> Iterator[InventoryUpdate]:
    """Hot SKUs everywhere; every other SKU at about `stocked` of the locations, 0 to 40 units."""
    rng = random.Random(2)
    ids = [loc.id for loc in locations(scale.locations)]
    for n in range(scale.skus):
        code = sku(n)
        hot = n < scale.hot
        for loc in ids:
            if hot or rng.random() < scale.stocked:
                yield InventoryUpdate(code, loc, rng.randint(0, 40), as_of)
