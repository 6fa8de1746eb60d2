"""Use cases on the inventory ledger: its compaction (the leader's job) and stock as it stood at a moment.

The ledger rows are written by the database on every change to a position
(`app.store.tables.ledger`); what is decided here is only when old rows are
folded, and how a past moment's positions are read back (`domain.ledger`).
"""

from __future__ import annotations

from datetime import datetime

from app.resources import Resources
from app.services.uow import utc_now
from app.store import ledger as store
from domain import ledger


async def compact(resources: Resources, now: datetime | None = None) -> int:
    """Fold entries older than `OMS_LEDGER_RETENTION_DAYS` into one per position and day; rows removed.

    It looks with a read first, so an idle tick takes no write lock; folding is idempotent, so two leaders
    (a handover) folding the same days remove each row once."""
    days = resources.settings.ledger_retention_days
    if days <= 0:
        return 0
    cutoff = ledger.compaction_cutoff(now or utc_now(), days)
    async with resources.db.read() as conn:
        if not await store.foldable(conn, cutoff):
            return 0
    async with resources.db.write() as conn:
        return await store.compact(conn, cutoff)
