"""Queries for product relations and co-purchase statistics."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.sql import upsert
from app.store.tables.sales import co_purchases, order_stats, product_relations, sku_order_counts
from domain.recommendations import MIN_SUPPORT, CoPurchase, Relation, lift

TOTAL_ORDERS = "orders"


async def save_relations(conn: AsyncConnection, relations: Sequence[Relation], now: datetime) -> None:
    if not relations:
        return
    stmt = upsert(conn, product_relations)
    stmt = stmt.on_conflict_do_update(
        index_elements=["sku", "related_sku", "kind"],
        set_={"weight": stmt.excluded.weight, "updated_at": stmt.excluded.updated_at},
    )
    rows = [
        {"sku": r.sku, "related_sku": r.related_sku, "kind": r.kind, "weight": r.weight, "updated_at": now}
        for r in relations
    ]
    await conn.execute(stmt, rows)


async def relations_of(conn: AsyncConnection, skus: Iterable[str]) -> list[Relation]:
    wanted = sorted(set(skus))
    if not wanted:
        return []
    query = select(product_relations).where(product_relations.c.sku.in_(wanted))
    return [Relation(r.sku, r.related_sku, r.kind, r.weight) for r in await conn.execute(query)]


async def co_purchases_of(conn: AsyncConnection, skus: Iterable[str]) -> list[CoPurchase]:
    """Pairs bought together at least MIN_SUPPORT times, with their lift, in one statement."""
    wanted = sorted(set(skus))
    if not wanted:
        return []
    a, b, c = sku_order_counts.alias("a"), sku_order_counts.alias("b"), co_purchases
    total = select(order_stats.c.value).where(order_stats.c.name == TOTAL_ORDERS).scalar_subquery()
    query = (
        select(
            c.c.sku, c.c.related_sku, c.c.together, a.c.orders, b.c.orders.label("related_orders"), total.label("total")
        )
        .join(a, a.c.sku == c.c.sku)
        .join(b, b.c.sku == c.c.related_sku)
        .where(c.c.sku.in_(wanted), c.c.together >= MIN_SUPPORT)
    )
    return [
        CoPurchase(r.sku, r.related_sku, r.together, lift(r.together, r.orders, r.related_orders, r.total or 0))
        for r in await conn.execute(query)
    ]


async def record_orders(
    conn: AsyncConnection, orders: int, per_sku: Mapping[str, int], pairs: Mapping[tuple[str, str], int]
) -> None:
    """Add counts learned from `orders` new orders (guarded upserts that add, never read-modify-write)."""
    if not orders:
        return
    stats = upsert(conn, order_stats)
    await conn.execute(
        stats.on_conflict_do_update(
            index_elements=["name"], set_={"value": order_stats.c.value + stats.excluded.value}
        ),
        [{"name": TOTAL_ORDERS, "value": orders}],
    )
    if per_sku:
        counts = upsert(conn, sku_order_counts)
        await conn.execute(
            counts.on_conflict_do_update(
                index_elements=["sku"], set_={"orders": sku_order_counts.c.orders + counts.excluded.orders}
            ),
            [{"sku": s, "orders": n} for s, n in sorted(per_sku.items())],
        )
    if pairs:
        together = upsert(conn, co_purchases)
        await conn.execute(
            together.on_conflict_do_update(
                index_elements=["sku", "related_sku"],
                set_={"together": co_purchases.c.together + together.excluded.together},
            ),
            [{"sku": x, "related_sku": y, "together": n} for (x, y), n in sorted(pairs.items())],
        )
