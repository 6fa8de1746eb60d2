"""What sales teach: units sold per SKU per day, product relations, co-purchase counts."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, Integer, String, Table

from app.store.tables.base import REF, metadata
from app.store.types import UtcDateTime

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
