"""History: the inventory ledger (written by triggers on `positions`), holds' spans, rule versions.

`inventory_ledger` gets a row from the database itself for every insert into
`positions` and every update that moves a figure (triggers made by migration
0017 for each dialect), so no writer can skip it; the writer only names the
cause and reference in `positions.ledger_cause` / `ledger_ref` in the very
statement that changes the row. `hold_spans` is kept by triggers on
`hold_lines` and `checkout_holds` the same way.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Float, Index, Integer, String, Table

from app.store.tables.base import REF, metadata
from app.store.types import UtcDateTime

ID = BigInteger().with_variant(Integer(), "sqlite")  # SQLite's autoincrement needs INTEGER PRIMARY KEY

inventory_ledger = Table(
    "inventory_ledger",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),  # when the OMS applied the change (the writer's `updated_at`)
    Column("sku", String(REF), nullable=False),
    Column("location_id", String(REF), nullable=False),
    Column("cause", String(32), nullable=False),
    Column("ref", String(200)),  # the order, hold, feed event or task it came from
    Column("source", String(REF)),  # the position's last feed source at the time
    Column("on_hand", Integer, nullable=False),
    Column("reserved", Integer, nullable=False),
    Column("inbound", Integer, nullable=False),
    Column("inbound_eta", UtcDateTime),
    Column("inbound_promised", Integer, nullable=False),
    Index("ix_inventory_ledger_position", "sku", "location_id", "at"),
    Index("ix_inventory_ledger_at", "at"),
)


hold_spans = Table(
    "hold_spans",
    metadata,
    Column("hold_id", String(40), primary_key=True),
    Column("location_id", String(REF), primary_key=True),
    Column("sku", String(REF), primary_key=True),
    Column("quantity", Integer, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
    Column("expires_at", UtcDateTime, nullable=False),
    Index("ix_hold_spans_sku", "sku", "started_at"),
)


# Every version of every availability rule: a save appends the rule, a delete appends its id with no body.
rule_versions = Table(
    "rule_versions",
    metadata,
    Column("seq", ID, primary_key=True, autoincrement=True),
    Column("rule_id", String(REF), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("body", JSON),  # None: deleted
    Index("ix_rule_versions_at", "at"),
)


# Sourcing simulations (the decision lab): a background job per row, claimed under a lease by one replica;
# `state` is its checkpoint (orders replayed so far and the tallies), `result` the KPIs once done.
sourcing_simulations = Table(
    "sourcing_simulations",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("progress", Float, nullable=False),
    Column("orders", Integer, nullable=False),
    Column("request", JSON, nullable=False),
    Column("state", JSON),
    Column("result", JSON),
    Column("error", String(500)),
    Column("lease_owner", String(64)),
    Column("lease_until", UtcDateTime),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_sourcing_simulations_status", "status", "created_at"),
)
