"""Queries for sourcing profiles."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store import versions
from app.store.sql import upsert
from app.store.tables.rules import sourcing_profiles
from domain.locations import LocationType
from domain.profiles import ShippingRate, SourcingProfile, Weights


def _to_row(profile: SourcingProfile) -> dict[str, Any]:
    types = profile.allowed_location_types
    return {
        "id": profile.id,
        "revision": profile.revision,
        "channel": profile.channel,
        "market": profile.market,
        "customer_segment": profile.customer_segment,
        "allowed_location_types": [t.value for t in types] if types is not None else None,
        "max_shipments": profile.max_shipments,
        "max_distance_km": profile.max_distance_km,
        "respect_capacity": profile.respect_capacity,
        "allow_partial": profile.allow_partial,
        "allow_transfers": profile.allow_transfers,
        "weights": profile.weights.as_dict(),
        "shipping_rate": {
            "base": profile.shipping_rate.base,
            "per_km": profile.shipping_rate.per_km,
            "per_extra_parcel": profile.shipping_rate.per_extra_parcel,
        },
    }


def _from_row(row: Any) -> SourcingProfile:
    types = row.allowed_location_types
    return SourcingProfile(
        id=row.id,
        revision=row.revision,
        channel=row.channel,
        market=row.market,
        customer_segment=row.customer_segment,
        allowed_location_types=tuple(LocationType(t) for t in types) if types is not None else None,
        max_shipments=row.max_shipments,
        max_distance_km=row.max_distance_km,
        respect_capacity=bool(row.respect_capacity),
        allow_partial=bool(row.allow_partial),
        allow_transfers=bool(row.allow_transfers),
        weights=Weights(**row.weights),
        shipping_rate=ShippingRate(**row.shipping_rate),
    )


async def save_profile(conn: AsyncConnection, profile: SourcingProfile, now: datetime) -> None:
    values = _to_row(profile) | {"updated_at": now}
    stmt = upsert(conn, sourcing_profiles).values(**values)
    await conn.execute(
        stmt.on_conflict_do_update(index_elements=["id"], set_={k: stmt.excluded[k] for k in values if k != "id"})
    )
    await versions.bump(conn, versions.PROFILES)


async def all_profiles(conn: AsyncConnection) -> list[SourcingProfile]:
    result = await conn.execute(select(sourcing_profiles).order_by(sourcing_profiles.c.id))
    return [_from_row(row) for row in result]


def profile_to_json(profile: SourcingProfile) -> dict[str, Any]:
    """A profile as plain JSON (a simulation's draft is stored with its job, never saved as a profile)."""
    return _to_row(profile)


def profile_from_json(raw: dict[str, Any]) -> SourcingProfile:
    return _from_row(SimpleNamespace(**raw))
