"""Orders and what hangs off them: lines, fulfillments and their lines, events, returns."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Index, Integer, String, Table

from app.store.tables.base import REF, metadata
from app.store.types import UtcDateTime

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
    Column("promised_by", UtcDateTime),  # a pre-order line: the release date; a backorder line: the inbound ETA
    Column("backordered", Integer, nullable=False, server_default="0"),  # units promised against inbound, waiting
)


preorders = Table(
    "preorders",
    metadata,
    Column("order_id", String(40), ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True),
    Column("status", String(16), nullable=False),  # WAITING -> RELEASED, or CANCELLED: the release's claim
    Column("kind", String(16), nullable=False, server_default="PREORDER"),  # PREORDER or BACKORDER
    Column("note", String(1000)),  # why the last release attempt could not allocate it (said once per change)
    Column("created_at", UtcDateTime, nullable=False),
    Column("released_at", UtcDateTime),
    Index(None, "status", "created_at"),
)


inbound_promises = Table(  # a waiting backorder's units promised against a position's inbound
    "inbound_promises",
    metadata,
    Column("order_id", String(40), ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True),
    Column("location_id", String(REF), primary_key=True),
    Column("sku", String(REF), primary_key=True),
    Column("units", Integer, nullable=False),
)


backorder_reservations = Table(  # the stock units a waiting backorder holds (reserved on positions) until allocated
    "backorder_reservations",
    metadata,
    Column("order_id", String(40), ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True),
    Column("location_id", String(REF), primary_key=True),
    Column("sku", String(REF), primary_key=True),
    Column("units", Integer, nullable=False),
)


fulfillments = Table(
    "fulfillments",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("order_id", String(40), ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("location_id", String(REF), ForeignKey("locations.id"), nullable=False),
    Column("method", String(16), nullable=False),
    Column("status", String(32), nullable=False),
    Column("day", String(10), nullable=False),  # UTC date created
    Column("capacity_day", String(10)),  # the location's local day whose capacity it claimed; NULL: none
    Column("pick_list_id", String(40)),  # the open pick list it is on (one at a time)
    Column("steps", JSON),  # the pick process's steps, fixed when its pick list is made
    Column("step_log", JSON),  # [{step, action DONE|SKIPPED, by, at, reason}]
    Column("tracking_number", String(200)),
    Column("collection_code_digest", String(64)),
    Column("collection_failures", Integer, nullable=False, server_default="0"),  # wrong codes since the last one
    Column("delivered_at", UtcDateTime),
    Column("transfer_from", String(REF)),  # a pickup served by a transfer: the location sending it
    Column("transfer_to", String(REF)),  # a transfer leg: the pickup store it goes to
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
