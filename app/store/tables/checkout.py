"""Between cart and order: checkout holds, daily capacity and pickup slot counters, postal codes.

Counters (`location_day_load`, `pickup_slot_load`) are claimed with a guarded
upsert (`used < capacity`), in the same transaction as the reservation they
go with, so no concurrency can push them past their capacity.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Float, ForeignKey, Index, Integer, String, Table

from app.store.tables.base import REF, metadata
from app.store.types import UtcDateTime

checkout_holds = Table(
    "checkout_holds",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("fingerprint", String(64), nullable=False),
    Column("owner", String(200), nullable=False),  # the principal that created it: only it (or staff) may use it
    Column("status", String(16), nullable=False),
    Column("channel", String(REF), nullable=False),
    Column("market", String(REF), nullable=False),
    Column("lines", JSON, nullable=False),  # [{sku, quantity}], merged by SKU
    Column("delivery", JSON, nullable=False),
    Column("plan", JSON, nullable=False),
    Column("capacity_days", JSON, nullable=False),  # {location_id: local day} whose capacity it claimed
    Column("slot_location_id", String(REF)),  # the pickup slot it booked, if any
    Column("slot_starts_at", UtcDateTime),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("order_id", String(40)),  # CONVERTED: the order it became
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "status", "expires_at"),
)


# The units an ACTIVE hold reserves; rows leave when the hold stops being ACTIVE. `positions.reserved`
# counts them; a row past `expires_at` is subtracted by every read until the hold is expired for good.
hold_lines = Table(
    "hold_lines",
    metadata,
    Column("hold_id", String(40), ForeignKey("checkout_holds.id", ondelete="CASCADE"), primary_key=True),
    Column("location_id", String(REF), primary_key=True),
    Column("sku", String(REF), primary_key=True),
    Column("quantity", Integer, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Index(None, "expires_at"),
)


location_day_load = Table(
    "location_day_load",
    metadata,
    Column("location_id", String(REF), primary_key=True),
    Column("day", String(10), primary_key=True),  # the location's local day
    Column("used", Integer, nullable=False),  # fulfillments (and holds) that claimed a unit of capacity
    Column("capacity", Integer, nullable=False),  # the capacity the last claim was checked against
)


pickup_slot_policies = Table(
    "pickup_slot_policies",
    metadata,
    Column("location_id", String(REF), ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True),
    Column("opens_at", String(5), nullable=False),  # local "HH:MM"
    Column("closes_at", String(5), nullable=False),
    Column("slot_minutes", Integer, nullable=False),
    Column("capacity_per_slot", Integer, nullable=False),
    Column("lead_minutes", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)


pickup_slot_load = Table(
    "pickup_slot_load",
    metadata,
    Column("location_id", String(REF), primary_key=True),
    Column("starts_at", UtcDateTime, primary_key=True),
    Column("booked", Integer, nullable=False),
    Column("capacity", Integer, nullable=False),
)


postal_codes = Table(
    "postal_codes",
    metadata,
    Column("country", String(2), primary_key=True),  # ISO 3166-1 alpha-2, upper case
    Column("postal_code", String(20), primary_key=True),  # normalised: upper case, no spaces
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
