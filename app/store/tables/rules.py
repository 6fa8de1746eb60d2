"""What the business sets: availability rules, sourcing profiles, the fraud policy; and the version
tokens that tell each replica its cached copy of a reference set is stale."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, Float, Index, Integer, String, Table

from app.store.tables.base import REF, metadata
from app.store.types import UtcDateTime

availability_rules = Table(
    "availability_rules",
    metadata,
    Column("id", String(REF), primary_key=True),
    Column("revision", BigInteger, nullable=False),
    Column("channel", String(REF)),
    Column("market", String(REF)),
    Column("location_type", String(32)),
    Column("location_id", String(REF)),
    Column("category", String(REF)),
    Column("sku", String(REF)),
    Column("safety_stock", Integer),
    Column("buffer_percent", Float),
    Column("max_exposed", Integer),
    Column("exclude", Boolean),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "sku"),
    Index(None, "category"),
)


sourcing_profiles = Table(
    "sourcing_profiles",
    metadata,
    Column("id", String(REF), primary_key=True),
    Column("revision", BigInteger, nullable=False),
    Column("channel", String(REF)),
    Column("market", String(REF)),
    Column("customer_segment", String(REF)),
    Column("allowed_location_types", JSON),
    Column("max_shipments", Integer),
    Column("max_distance_km", Float),
    Column("respect_capacity", Boolean, nullable=False),
    Column("allow_partial", Boolean, nullable=False),
    Column("allow_transfers", Boolean, nullable=False, server_default="0"),  # ship-to-store for pickups
    Column("weights", JSON, nullable=False),
    Column("shipping_rate", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)


fraud_policy = Table(
    "fraud_policy",
    metadata,
    Column("id", Integer, primary_key=True),  # one row
    Column("hold_at_risk_score", Float),
    Column("hold_at_order_total", Float),
)


# A token per slow-changing reference set (locations, availability rules), set
# anew by every write to it. Hot reads fetch the tokens in the same statement
# as the positions, so each replica's cache is checked on every request.
cache_versions = Table(
    "cache_versions",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("token", String(32), nullable=False),
)
