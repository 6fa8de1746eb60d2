"""Translate between table rows and domain objects (no queries here)."""

from __future__ import annotations

from typing import Any

from domain.atp import AvailabilityRule
from domain.items import Item
from domain.locations import FulfillmentMethod, Geo, Location, LocationType


def location_from_row(row: Any) -> Location:
    return Location(
        id=row.id,
        name=row.name,
        type=LocationType(row.type),
        markets=tuple(row.markets),
        geo=Geo(row.lat, row.lon),
        capabilities=tuple(FulfillmentMethod(c) for c in row.capabilities),
        priority=row.priority,
        daily_capacity=row.daily_capacity,
        turnaround_hours=row.turnaround_hours,
        pick_process_id=row.pick_process_id,
        handling_cost=row.handling_cost,
        active=bool(row.active),
        timezone=row.timezone,
    )


def location_to_row(location: Location) -> dict[str, Any]:
    return {
        "id": location.id,
        "name": location.name,
        "type": location.type.value,
        "markets": list(location.markets),
        "lat": location.geo.lat,
        "lon": location.geo.lon,
        "capabilities": [c.value for c in location.capabilities],
        "priority": location.priority,
        "daily_capacity": location.daily_capacity,
        "turnaround_hours": location.turnaround_hours,
        "pick_process_id": location.pick_process_id,
        "handling_cost": location.handling_cost,
        "active": location.active,
        "timezone": location.timezone,
    }


def item_from_row(row: Any) -> Item:
    return Item(
        sku=row.sku,
        category=row.category,
        barcodes=tuple(row.barcodes),
        zone=row.zone,
        release_at=row.release_at,
        preorder_limit=row.preorder_limit,
        preordered=int(row.preorder_units or 0),
        sale_opened_at=row.sale_opened_at,
    )


def rule_from_row(row: Any) -> AvailabilityRule:
    return AvailabilityRule(
        id=row.id,
        revision=row.revision,
        channel=row.channel,
        market=row.market,
        location_type=LocationType(row.location_type) if row.location_type else None,
        location_id=row.location_id,
        category=row.category,
        sku=row.sku,
        safety_stock=row.safety_stock,
        buffer_percent=row.buffer_percent,
        max_exposed=row.max_exposed,
        exclude=row.exclude if row.exclude is None else bool(row.exclude),
    )


def rule_to_row(rule: AvailabilityRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "revision": rule.revision,
        "channel": rule.channel,
        "market": rule.market,
        "location_type": rule.location_type.value if rule.location_type else None,
        "location_id": rule.location_id,
        "category": rule.category,
        "sku": rule.sku,
        "safety_stock": rule.safety_stock,
        "buffer_percent": rule.buffer_percent,
        "max_exposed": rule.max_exposed,
        "exclude": rule.exclude,
    }
