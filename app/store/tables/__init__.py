"""The relational schema, as SQLAlchemy Core tables, one module per aggregate.

Core rather than ORM objects: hot paths read raw rows (about 2x cheaper than
ORM hydration here) and every write is an explicit, guarded statement. The
Alembic migrations in `migrations/versions` create exactly these tables; a
test compares the two. Importing this package registers every table on
`metadata`, so `from app.store.tables import metadata` sees them all.
"""

from __future__ import annotations

from app.store.tables import (
    catalog,
    checkout,
    inventory,
    ledger,
    orders,
    outbox,
    picking,
    reporting,
    rules,
    sales,
    tasks,
    tokens,
)
from app.store.tables.base import REF, metadata

__all__ = [
    "REF",
    "catalog",
    "checkout",
    "inventory",
    "ledger",
    "metadata",
    "orders",
    "outbox",
    "picking",
    "reporting",
    "rules",
    "sales",
    "tasks",
    "tokens",
]
