"""The relational schema, as SQLAlchemy Core tables.

Core rather than ORM objects: hot paths read raw rows (about 2x cheaper than
ORM hydration here) and every write is an explicit, guarded statement. The
Alembic migrations in `migrations/versions` create exactly these tables; a
test compares the two.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)

from app.store.types import UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

REF = 64  # client references: location ids, SKUs, channels, markets

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
    Column("updated_at", UtcDateTime, nullable=False),
)

items = Table(
    "items",
    metadata,
    Column("sku", String(REF), primary_key=True),
    Column("category", String(REF), nullable=False),
    Column("zone", String(REF)),
    Column("barcodes", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "category"),
)

item_barcodes = Table(
    "item_barcodes",
    metadata,
    Column("barcode", String(REF), primary_key=True),
    Column("sku", String(REF), ForeignKey("items.sku", ondelete="CASCADE"), nullable=False),
    Index(None, "sku"),
)

positions = Table(
    "positions",
    metadata,
    Column("sku", String(REF), primary_key=True),
    Column("location_id", String(REF), ForeignKey("locations.id"), primary_key=True),
    Column("on_hand", Integer, nullable=False, server_default="0"),
    Column("reserved", Integer, nullable=False, server_default="0"),
    Column("inbound", Integer, nullable=False, server_default="0"),
    Column("inbound_eta", UtcDateTime),
    Column("snapshot_as_of", UtcDateTime),
    Column("last_synced_at", UtcDateTime),
    Column("last_source", String(REF)),
    Column("updated_at", UtcDateTime, nullable=False),
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

# Units sold per SKU per day, kept up to date as orders are placed; the import
# applies best sellers first and /metrics reports freshness per velocity tier.
sku_sales = Table(
    "sku_sales",
    metadata,
    Column("sku", String(REF), primary_key=True),
    Column("day", String(10), primary_key=True),  # ISO date, UTC
    Column("units", Integer, nullable=False),
    Index(None, "day"),
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

# A token per slow-changing reference set (locations, availability rules), set
# anew by every write to it. Hot reads fetch the tokens in the same statement
# as the positions, so each replica's cache is checked on every request.
cache_versions = Table(
    "cache_versions",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("token", String(32), nullable=False),
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
    Column("weights", JSON, nullable=False),
    Column("shipping_rate", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status", String(32), nullable=False),
    Column("on_hold", Boolean, nullable=False),
    Column("channel", String(REF), nullable=False),
    Column("market", String(REF), nullable=False),
    Column("customer_id", String(REF), nullable=False),
    Column("customer_segment", String(REF)),
    Column("customer_email", String(320)),
    Column("delivery", JSON, nullable=False),
    Column("total", Float, nullable=False),
    Column("risk_score", Float),
    Column("plan", JSON, nullable=False),
    Column("erp_reference", String(200)),  # set when the ERP acknowledges the order
    Column("acknowledged_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "created_at", "id"),
    Index(None, "customer_id", "created_at"),
    Index(None, "status", "created_at"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", String(40), ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("sku", String(REF), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Float, nullable=False),
    Column("services", JSON, nullable=False),
)

fulfillments = Table(
    "fulfillments",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("order_id", String(40), ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("location_id", String(REF), ForeignKey("locations.id"), nullable=False),
    Column("method", String(16), nullable=False),
    Column("status", String(32), nullable=False),
    Column("day", String(10), nullable=False),  # UTC date created: daily capacity counts
    Column("pick_list_id", String(40)),  # the open pick list it is on (one at a time)
    Column("steps", JSON),  # the pick process's steps, fixed when its pick list is made
    Column("step_log", JSON),  # [{step, action DONE|SKIPPED, by, at, reason}]
    Column("tracking_number", String(200)),
    Column("collection_code_digest", String(64)),
    Column("collection_failures", Integer, nullable=False, server_default="0"),  # wrong codes since the last one
    Column("delivered_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "order_id"),
    Index(None, "location_id", "day"),
    Index(None, "location_id", "status"),
)

fulfillment_lines = Table(
    "fulfillment_lines",
    metadata,
    Column("fulfillment_id", String(40), ForeignKey("fulfillments.id", ondelete="CASCADE"), primary_key=True),
    Column("sku", String(REF), primary_key=True),
    Column("quantity", Integer, nullable=False),
)

order_events = Table(
    "order_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", String(40), ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(64), nullable=False),
    Column("status", String(32), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("message", String(1000)),
    Index(None, "order_id", "id"),
)

returns = Table(
    "returns",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("order_id", String(40), ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(32), nullable=False),
    Column("location_id", String(REF)),
    Column("reason", String(500)),
    Column("lines", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index(None, "order_id"),
)

product_relations = Table(
    "product_relations",
    metadata,
    Column("sku", String(REF), primary_key=True),
    Column("related_sku", String(REF), primary_key=True),
    Column("kind", String(REF), primary_key=True),
    Column("weight", Float, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# What the OMS learns from its own orders, counted incrementally (see
# app/services/sales_counter.py): orders containing each SKU, orders
# containing each pair (stored both ways), and all orders.
sku_order_counts = Table(
    "sku_order_counts",
    metadata,
    Column("sku", String(REF), primary_key=True),
    Column("orders", Integer, nullable=False),
)

co_purchases = Table(
    "co_purchases",
    metadata,
    Column("sku", String(REF), primary_key=True),
    Column("related_sku", String(REF), primary_key=True),
    Column("together", Integer, nullable=False),
)

order_stats = Table(
    "order_stats",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

# Transactional outbox: every event is written in the transaction that causes
# it; the relay fans it out to webhook deliveries after commit.
outbox_events = Table(
    "outbox_events",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("seq", BigInteger, nullable=False),  # commit-clock microseconds: delivery order
    Column("type", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("fanned_out", Boolean, nullable=False),
    Index(None, "fanned_out", "seq"),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("url", String(2000), nullable=False),
    Column("events", JSON, nullable=False),
    Column("secret", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("disabled_reason", String(200)),
    Column("created_at", UtcDateTime, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("event_id", String(40), ForeignKey("outbox_events.id", ondelete="CASCADE"), nullable=False),
    Column("webhook_id", String(40), ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("locked_until", UtcDateTime),
    Column("last_status_code", Integer),
    Column("last_error", String(500)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "event_id", "webhook_id", unique=True),
    Index(None, "status", "next_attempt_at"),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("type", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("order_id", String(40)),
    Column("location_id", String(REF)),
    Column("subject_id", String(40)),  # what the task is about beyond the order, e.g. a return
    Column("assignee_role", String(32), nullable=False),
    Column("claimed_by", String(REF)),
    Column("escalation_level", Integer, nullable=False),
    Column("due_at", UtcDateTime),
    Column("outcome", String(32)),
    Column("note", String(2000)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "status", "due_at"),
    Index(None, "order_id"),
    Index(None, "location_id", "status"),
    Index(None, "created_at", "id"),
)

task_policies = Table(
    "task_policies",
    metadata,
    Column("task_type", String(32), primary_key=True),
    Column("sla_minutes", Float, nullable=False),
    Column("escalate_to_roles", JSON, nullable=False),
    Column("auto_outcome_after_minutes", Float),
    Column("auto_outcome", String(32)),
)

fraud_policy = Table(
    "fraud_policy",
    metadata,
    Column("id", Integer, primary_key=True),  # one row
    Column("hold_at_risk_score", Float),
    Column("hold_at_order_total", Float),
)

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

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("token_hash", String(64), nullable=False),  # SHA-256 hex of the whole token; the secret is never kept
    Column("role", String(32), nullable=False),
    Column("label", String(200), nullable=False),
    Column("locations", JSON),  # null: every location
    Column("channels", JSON),  # null: every channel
    Column("scopes", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
    Index(None, "token_hash", unique=True),
)
