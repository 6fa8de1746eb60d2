"""How fresh the promise is: the age of the stalest position per velocity tier.

A stale count on a best seller costs more than one on a slow mover, so the
figure is reported separately for the top 1% and top 10% of SKUs by units
sold in the last 7 days, and for the rest of the assortment.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.store import sales
from app.store.db import Database
from app.store.sales import TierFreshness

TIERS = ("top1", "top10", "rest")


async def freshness(db: Database, now: datetime) -> dict[str, TierFreshness]:
    async with db.read() as conn:
        found = {f.tier: f for f in await sales.freshness_by_tier(conn, (now - timedelta(days=7)).date())}
    return {tier: found.get(tier, TierFreshness(tier, 0, None)) for tier in TIERS}
