"""A realistic demo network, made by code and deterministic from a seed.

Two markets (US, CA); 60 stores of which 6 are hub stores, 4 warehouses,
2 drop-ship vendors and a dark store, around real metro areas; 5,000 SKUs in
40 categories with EAN-13 barcodes and store zones; skewed stock: warehouses
deep, hub stores broad, most stores shallow on a subset, some at zero.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time

from domain.inventory import InventoryUpdate
from domain.items import Item
from domain.locations import FulfillmentMethod, Geo, Location, LocationType
from domain.picking import PickMode, PickProcess, ShortPickPolicy
from domain.recommendations import Relation
from domain.slots import SlotPolicy

SHIP, PICKUP, SAME_DAY = FulfillmentMethod.SHIP, FulfillmentMethod.PICKUP, FulfillmentMethod.SAME_DAY

# (name, market, lat, lon, stores, hubs)
METROS = (
    ("New York", "US", 40.7128, -74.0060, 12, 1),
    ("Chicago", "US", 41.8781, -87.6298, 9, 1),
    ("Los Angeles", "US", 34.0522, -118.2437, 10, 1),
    ("Dallas", "US", 32.7767, -96.7970, 7, 1),
    ("Toronto", "CA", 43.6532, -79.3832, 10, 1),
    ("Vancouver", "CA", 49.2827, -123.1207, 7, 1),
    ("Montreal", "CA", 45.5017, -73.5673, 5, 0),
)
WAREHOUSES = (
    ("dc-nj", "Edison DC", "US", 40.5187, -74.4121),
    ("dc-tx", "Fort Worth DC", "US", 32.7555, -97.3308),
    ("dc-ca", "Ontario CA DC", "US", 34.0633, -117.6509),
    ("dc-on", "Mississauga DC", "CA", 43.5890, -79.6441),
)
VENDORS = (
    ("dsv-furnish", "Northwind Furnishings (drop-ship)", ("US", "CA"), 35.2271, -80.8431),
    ("dsv-outdoor", "Summit Outdoor (drop-ship)", ("US",), 39.7392, -104.9903),
)
DARK_STORE = ("dark-nyc", "Brooklyn dark store", "US", 40.6782, -73.9442)
CATEGORIES = tuple(
    f"{dept}-{kind}"
    for dept in ("apparel", "footwear", "home", "outdoor", "electronics")
    for kind in ("basics", "premium", "kids", "accessories", "seasonal", "clearance", "gifts", "essentials")
)
ZONES = ("A", "B", "C", "D", "E", "F")


@dataclass(frozen=True)
class DemoNetwork:
    locations: list[Location]
    items: list[Item]


# Hubs batch-pick by zone and re-source shorts at once; stores pick per order, scan, offer services.
HUB_PROCESS = PickProcess(
    "hub-zone-batch",
    PickMode.ZONE,
    scan_to_pick=True,
    short_pick_policy=ShortPickPolicy.REROUTE_NOW,
    steps=("PICK", "VERIFY", "PACK", "LABEL", "HANDOVER"),
    reason_codes=("NOT_FOUND", "DAMAGED", "WRONG_ITEM"),
    max_orders_per_list=12,
)
STORE_PROCESS = PickProcess(
    "store-per-order",
    PickMode.ORDER,
    scan_to_pick=True,
    short_pick_policy=ShortPickPolicy.RESOLVE_LATER,
    steps=("PICK", "VAS", "PACK", "HANDOVER"),
    reason_codes=("NOT_FOUND", "DAMAGED", "WRONG_ITEM", "CUSTOMER_HOLD"),
)
PICK_PROCESSES = (HUB_PROCESS, STORE_PROCESS)

# Click & collect slots at the New York and Chicago hubs (store-001, store-013), in their local time zones:
# half-hour slots from 07:00 to 23:00 local, four orders each, so a fresh `make run` shows slots most of the day.
SLOT_STORES = {"store-001": "America/New_York", "store-013": "America/Chicago"}
SLOT_POLICIES = tuple(
    SlotPolicy(loc_id, time(7, 0), time(23, 0), slot_minutes=30, capacity_per_slot=4) for loc_id in SLOT_STORES
)


def network(seed: int = 42, sku_count: int = 5000) -> DemoNetwork:
    rng = random.Random(seed)
    return DemoNetwork(_locations(rng), _items(rng, sku_count))


def _locations(rng: random.Random) -> list[Location]:
    found: list[Location] = []
    number = 0
    for metro, market, lat, lon, stores, hubs in METROS:
        for i in range(stores):
            number += 1
            hub = i < hubs
            geo = Geo(round(lat + rng.uniform(-0.25, 0.25), 5), round(lon + rng.uniform(-0.3, 0.3), 5))
            found.append(
                Location(
                    id=f"store-{number:03d}",
                    name=f"{metro} {'Hub' if hub else 'Store'} {i + 1}",
                    type=LocationType.HUB_STORE if hub else LocationType.STORE,
                    markets=(market,),
                    geo=geo,
                    capabilities=(SHIP, PICKUP, SAME_DAY) if hub else (PICKUP, SHIP) if i % 3 else (PICKUP,),
                    priority=20 if hub else 10,
                    daily_capacity=400 if hub else rng.choice((40, 60, 80, 120)),
                    turnaround_hours=2.0 if hub else rng.choice((2.0, 4.0, 8.0)),
                    handling_cost=3.5 if hub else rng.choice((4.0, 5.0, 6.5)),
                    pick_process_id=HUB_PROCESS.id if hub else STORE_PROCESS.id,
                    timezone=SLOT_STORES.get(f"store-{number:03d}"),
                )
            )
    for loc_id, name, market, lat, lon in WAREHOUSES:
        found.append(
            Location(loc_id, name, LocationType.WAREHOUSE, (market,), Geo(lat, lon), (SHIP,), 5, 5000, 24.0, None, 2.0)
        )
    for loc_id, name, markets, lat, lon in VENDORS:
        found.append(
            Location(
                loc_id, name, LocationType.DROP_SHIP_VENDOR, markets, Geo(lat, lon), (SHIP,), 0, None, 72.0, None, 8.0
            )
        )
    loc_id, name, market, lat, lon = DARK_STORE
    found.append(
        Location(
            loc_id, name, LocationType.DARK_STORE, (market,), Geo(lat, lon), (SAME_DAY, SHIP), 15, 600, 0.5, None, 3.0
        )
    )
    return found


def _items(rng: random.Random, count: int) -> list[Item]:
    return [
        Item(
            sku=f"SKU-{n:05d}",
            category=CATEGORIES[n % len(CATEGORIES)],
            barcodes=(ean13(400_000_000_000 + n),),
            zone=rng.choice(ZONES),
        )
        for n in range(1, count + 1)
    ]


def relations(demo: DemoNetwork, seed: int = 42) -> list[Relation]:
    """Each SKU goes with a few others of its department: accessories and things bought together."""
    rng = random.Random(seed + 2)
    by_department: dict[str, list[str]] = {}
    for item in demo.items:
        by_department.setdefault(item.category.split("-")[0], []).append(item.sku)
    found = []
    for item in demo.items[:1000]:  # the best sellers carry curated relations
        pool = by_department[item.category.split("-")[0]]
        for related in rng.sample(pool, 4):
            if related != item.sku:
                kind = rng.choice(("ACCESSORY", "BOUGHT_TOGETHER", "SIMILAR"))
                found.append(Relation(item.sku, related, kind, round(rng.uniform(0.5, 3.0), 2)))
    return found


def ean13(body: int) -> str:
    """A 13-digit EAN with its check digit, from a 12-digit body."""
    digits = f"{body:012d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


def stock(demo: DemoNetwork, as_of: datetime, seed: int = 42) -> Iterator[InventoryUpdate]:
    """Skewed snapshot quantities: popular SKUs (low numbers) stocked widely and deeply."""
    rng = random.Random(seed + 1)
    total = len(demo.items)
    for location in demo.locations:
        breadth, depth = _profile(location.type)
        for rank, item in enumerate(demo.items):
            popularity = 1.0 - rank / total  # SKU-00001 sells most
            if rng.random() > breadth * (0.35 + 0.65 * popularity):
                continue
            quantity = int(rng.paretovariate(1.6) * depth * (0.3 + popularity))
            if rng.random() < 0.08:
                quantity = 0  # counted, sold out
            yield InventoryUpdate(item.sku, location.id, quantity, as_of)


def _profile(kind: LocationType) -> tuple[float, float]:
    """(share of the assortment carried, typical depth) per location type."""
    return {
        LocationType.WAREHOUSE: (0.9, 60.0),
        LocationType.HUB_STORE: (0.6, 12.0),
        LocationType.STORE: (0.2, 3.0),
        LocationType.DARK_STORE: (0.3, 8.0),
        LocationType.DROP_SHIP_VENDOR: (0.15, 40.0),
    }[kind]
