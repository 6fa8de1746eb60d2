"""Pick processes, pick lists and their lines, and each location's pick and hand-over record."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, String, Table

from app.store.tables.base import REF, metadata
from app.store.types import UtcDateTime

pick_processes = Table(
    "pick_processes",
    metadata,
    Column("id", String(REF), primary_key=True),
    Column("mode", String(16), nullable=False),
    Column("scan_to_pick", Boolean, nullable=False),
    Column("short_pick_policy", String(32), nullable=False),
    Column("steps", JSON, nullable=False),
    Column("reason_codes", JSON, nullable=False),
    Column("max_orders_per_list", Integer),
    Column("updated_at", UtcDateTime, nullable=False),
)


pick_lists = Table(
    "pick_lists",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("location_id", String(REF), ForeignKey("locations.id"), nullable=False),
    Column("process_id", String(REF), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("scan_to_pick", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "location_id", "status", "created_at"),
)


pick_lines = Table(
    "pick_lines",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("pick_list_id", String(40), ForeignKey("pick_lists.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("fulfillment_id", String(40), ForeignKey("fulfillments.id", ondelete="CASCADE"), nullable=False),
    Column("order_id", String(40), nullable=False),
    Column("sku", String(REF), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("picked", Integer, nullable=False, server_default="0"),
    Column("short", Integer, nullable=False, server_default="0"),
    Column("short_reason", String(REF)),
    Column("group_key", String(REF), nullable=False),
    Column("slot", Integer, nullable=False),
    Index(None, "pick_list_id", "seq"),
    Index(None, "fulfillment_id"),
)


# Store performance: pick lines picked in full and with a short; hand-overs, and those within turnaround.
location_pick_stats = Table(
    "location_pick_stats",
    metadata,
    Column("location_id", String(REF), primary_key=True),
    Column("lines_picked", Integer, nullable=False),
    Column("lines_short", Integer, nullable=False),
    Column("handovers", Integer, nullable=False, server_default="0"),
    Column("handovers_on_time", Integer, nullable=False, server_default="0"),
    Column("updated_at", UtcDateTime, nullable=False),
)
