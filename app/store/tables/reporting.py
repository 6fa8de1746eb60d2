"""Operations reporting rollups: per location, placed hour and channel, and the watermark of their job."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table

from app.store.tables.base import REF, metadata
from app.store.tables.orders import fulfillments, order_events, orders
from app.store.types import UtcDateTime

report_hours = Table(  # the sums of the store orders placed in one hour at one location in one channel
    "report_hours",
    metadata,
    Column("hour", UtcDateTime, primary_key=True),
    Column("location_id", String(REF), primary_key=True),
    Column("channel", String(REF), primary_key=True),
    Column("orders", Integer, nullable=False),
    Column("units", Integer, nullable=False),
    Column("filled", Integer, nullable=False),
    Column("split", Integer, nullable=False),
    Column("short", Integer, nullable=False),
    Column("cancelled", Integer, nullable=False),
    Column("sla_met", Integer, nullable=False),
    Index(None, "location_id", "hour"),
)


report_minutes = Table(  # minute histograms (PICK, READY) of the same keys: medians stay exact when merged
    "report_minutes",
    metadata,
    Column("hour", UtcDateTime, primary_key=True),
    Column("location_id", String(REF), primary_key=True),
    Column("channel", String(REF), primary_key=True),
    Column("measure", String(8), primary_key=True),
    Column("minutes", Integer, primary_key=True),
    Column("count", Integer, nullable=False),
    Index(None, "location_id", "hour"),
)


report_watermarks = Table(  # how far the job has read the orders' and fulfillments' changes
    "report_watermarks",
    metadata,
    Column("name", String(REF), primary_key=True),
    Column("upto", UtcDateTime, nullable=False),
    Column("runs", Integer, nullable=False),  # every committed run adds one: the claim's fencing value
)

# The job finds what changed since its watermark by these.
Index(None, orders.c.updated_at)
Index(None, fulfillments.c.updated_at)
Index(None, order_events.c.at)
