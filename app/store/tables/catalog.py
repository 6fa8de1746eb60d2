"""The network and what it sells: locations, items and their barcodes."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, text

from app.store.tables.base import REF, metadata
from app.store.types import UtcDateTime

locations = Table(
    "locations",
    metadata,
    Column("id", String(REF), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("type", String(32), nullable=False),
    Column("markets", JSON, nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("capabilities", JSON, nullable=False),
    Column("priority", Integer, nullable=False, server_default="0"),
    Column("daily_capacity", Integer),
    Column("turnaround_hours", Float),
    Column("pick_process_id", String(REF)),
    Column("handling_cost", Float),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("timezone", String(64)),  # IANA name; NULL is UTC
    Column("updated_at", UtcDateTime, nullable=False),
)


SALE_PENDING = text("sale_opened_at IS NULL AND preorder_units > 0")  # released items waiting to open
items = Table(
    "items",
    metadata,
    Column("sku", String(REF), primary_key=True),
    Column("category", String(REF), nullable=False),
    Column("zone", String(REF)),
    Column("barcodes", JSON, nullable=False),
    Column("release_at", UtcDateTime),  # in the future: a pre-order item (stock on hand is not sold before)
    Column("preorder_limit", Integer),  # units that may be pre-ordered in all; NULL: no limit
    Column("preorder_units", Integer, nullable=False, server_default="0"),  # units pre-ordered (guarded counter)
    # When a released item with pre-orders went on general sale: after the release job served them, first in
    # line (NULL: not yet; a changed release_at clears it).
    Column("sale_opened_at", UtcDateTime),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "category"),
    Index("ix_items_sale_pending", "release_at", postgresql_where=SALE_PENDING, sqlite_where=SALE_PENDING),
)


item_barcodes = Table(
    "item_barcodes",
    metadata,
    Column("barcode", String(REF), primary_key=True),
    Column("sku", String(REF), ForeignKey("items.sku", ondelete="CASCADE"), nullable=False),
    Index(None, "sku"),
)
