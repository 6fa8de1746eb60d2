"""Queries for sales velocity (units per SKU per day) and freshness by velocity tier."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.sql import upsert
from app.store.tables.catalog import items
from app.store.tables.sales import sku_sales
from app.store.types import UtcDateTime


async def record_sales(conn: AsyncConnection, units: Mapping[str, int], day: date) -> None:
    """Add units sold today, incrementally (one guarded upsert, no read)."""
    if not units:
        return
    stmt = upsert(conn, sku_sales)
    stmt = stmt.on_conflict_do_update(
        index_elements=["sku", "day"], set_={"units": sku_sales.c.units + stmt.excluded.units}
    )
    await conn.execute(stmt, [{"sku": s, "day": day.isoformat(), "units": u} for s, u in sorted(units.items())])


async def velocity(conn: AsyncConnection, since: date) -> dict[str, int]:
    """Units sold per SKU since `since` (only SKUs that sold)."""
    query = (
        select(sku_sales.c.sku, func.sum(sku_sales.c.units))
        .where(sku_sales.c.day >= since.isoformat())
        .group_by(sku_sales.c.sku)
    )
    return {sku: int(units) for sku, units in await conn.execute(query)}


@dataclass(frozen=True, slots=True)
class TierFreshness:
    tier: str
    positions: int
    stalest: datetime | None


FRESHNESS = text(
    """
    WITH v AS (SELECT sku, SUM(units) AS units FROM sku_sales WHERE day >= :since GROUP BY sku),
    r AS (SELECT sku, ROW_NUMBER() OVER (ORDER BY units DESC, sku) AS rn FROM v)
    SELECT CASE WHEN r.rn <= :top1 THEN 'top1' WHEN r.rn <= :top10 THEN 'top10' ELSE 'rest' END AS tier,
           COUNT(*) AS positions, MIN(p.last_synced_at) AS stalest
    FROM positions p LEFT JOIN r ON r.sku = p.sku
    GROUP BY 1
    """
).columns(stalest=UtcDateTime)


async def freshness_by_tier(conn: AsyncConnection, since: date) -> list[TierFreshness]:
    """Per velocity tier (top 1%, top 10%, rest of the assortment), the stalest position's last sync."""
    sku_count = int((await conn.execute(select(func.count()).select_from(items))).scalar_one())
    top1 = max(1, -(-sku_count // 100))
    top10 = max(top1, -(-sku_count // 10))
    result = await conn.execute(FRESHNESS, {"since": since.isoformat(), "top1": top1, "top10": top10})
    return [TierFreshness(row.tier, int(row.positions), row.stalest) for row in result]
