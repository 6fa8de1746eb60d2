"""Queries for returns: what was sent back per SKU, the return rows and their status."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store.sql import for_update
from app.store.tables.orders import returns
from domain.orders import ReturnRequest, ReturnStatus


async def returned_units(conn: AsyncConnection, order_id: str) -> dict[str, int]:
    query = select(returns.c.lines).where(
        returns.c.order_id == order_id, returns.c.status != ReturnStatus.CANCELLED.value
    )
    totals: dict[str, int] = {}
    for (lines,) in await conn.execute(query):
        for line in lines:
            totals[line["sku"]] = totals.get(line["sku"], 0) + int(line["quantity"])
    return totals


async def save_return(conn: AsyncConnection, return_id: str, request: ReturnRequest, now: datetime) -> None:
    await conn.execute(
        returns.insert().values(
            id=return_id,
            order_id=request.order_id,
            status=ReturnStatus.REQUESTED.value,
            location_id=request.location_id,
            reason=request.reason,
            lines=[{"sku": x.sku, "quantity": x.quantity} for x in request.lines],
            created_at=now,
        )
    )


async def get_return(conn: AsyncConnection, return_id: str) -> Any:
    query = select(returns).where(returns.c.id == return_id)
    query = for_update(conn, query)
    return (await conn.execute(query)).first()


async def set_return_status(
    conn: AsyncConnection, return_id: str, status: ReturnStatus, location_id: str | None = None
) -> None:
    values: dict[str, Any] = {"status": status.value}
    if location_id is not None:
        values["location_id"] = location_id
    await conn.execute(update(returns).where(returns.c.id == return_id).values(**values))
