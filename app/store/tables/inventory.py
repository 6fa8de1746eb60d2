"""Stock per SKU and location, the events that moved it, and bulk imports staged before they apply."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Table

from app.store.tables.base import REF, metadata
from app.store.types import UtcDateTime

positions = Table(
    "positions",
    metadata,
    Column("sku", String(REF), primary_key=True),
    Column("location_id", String(REF), ForeignKey("locations.id"), primary_key=True),
    Column("on_hand", Integer, nullable=False, server_default="0"),
    Column("reserved", Integer, nullable=False, server_default="0"),
    Column("inbound", Integer, nullable=False, server_default="0"),
    Column("inbound_eta", UtcDateTime),
    Column("inbound_promised", Integer, nullable=False, server_default="0"),  # to backorders, not yet allocated
    Column("snapshot_as_of", UtcDateTime),
    Column("last_synced_at", UtcDateTime),
    Column("last_source", String(REF)),
    Column("updated_at", UtcDateTime, nullable=False),
    # Why the last write happened, named by that write: the ledger trigger copies them (domain.ledger.Why).
    Column("ledger_cause", String(32)),
    Column("ledger_ref", String(200)),
    CheckConstraint("reserved >= 0", name="reserved_not_negative"),
    CheckConstraint("inbound >= 0", name="inbound_not_negative"),
    Index(None, "location_id", "sku"),
)


inventory_events = Table(
    "inventory_events",
    metadata,
    Column("source", String(REF), primary_key=True),
    Column("event_id", String(200), primary_key=True),
    Column("sku", String(REF), nullable=False),
    Column("location_id", String(REF), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("as_of", UtcDateTime, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
)


inventory_imports = Table(
    "inventory_imports",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("source", String(REF), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("file", String(500), nullable=False),
    Column("status", String(16), nullable=False),
    Column("lines", Integer, nullable=False, server_default="0"),
    Column("rejected", Integer, nullable=False, server_default="0"),
    Column("applied", Integer, nullable=False, server_default="0"),
    Column("ignored_stale", Integer, nullable=False, server_default="0"),
    Column("duplicates", Integer, nullable=False, server_default="0"),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
)


# Staging for bulk imports: the file is streamed in, then applied from here in
# velocity order, batch by batch. Rows are removed when the import finishes.
inventory_import_rows = Table(
    "inventory_import_rows",
    metadata,
    Column("import_id", String(32), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("priority", Integer, nullable=False),  # minus units sold in 7 days: best sellers sort first
    Column("sku", String(REF), nullable=False),
    Column("location_id", String(REF), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("as_of", UtcDateTime, nullable=False),
    Column("inbound", Integer),
    Column("inbound_eta", UtcDateTime),
    Column("event_id", String(200)),
    Index("ix_import_rows_apply_order", "import_id", "priority", "sku", "location_id", "line_no"),
)
