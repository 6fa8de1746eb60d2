"""The rows of a ship-to-store transfer: the leg at the source, the pickup at the store, the units arriving.

The leg is the fulfillment placeOrder wrote at the source (reserved there like
any other); it becomes a SHIP with `transfer_to`. The pickup at the store is
written beside it, AWAITING_TRANSFER with `transfer_from`, and holds no stock
until the transfer is received.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store import fulfillments as fulfillment_store
from app.store.ledger import ledger_marks
from app.store.sql import for_update, upsert
from app.store.tables.inventory import positions
from app.store.tables.orders import fulfillment_lines, fulfillments
from domain.ledger import Why
from domain.locations import FulfillmentMethod
from domain.orders import FulfillmentLine, FulfillmentStatus
from domain.picking import StepProgress


async def write_legs(
    conn: AsyncConnection,
    *,
    order_id: str,
    leg_id: str,
    pickup_id: str,
    source: str,
    store: str,
    lines: Sequence[FulfillmentLine],
    now: datetime,
) -> None:
    """The leg just written at the source goes to the store; the store's pickup waits for it."""
    f = fulfillments.c
    await conn.execute(
        update(fulfillments).where(f.id == leg_id).values(method=FulfillmentMethod.SHIP.value, transfer_to=store)
    )
    await conn.execute(
        fulfillments.insert().values(
            id=pickup_id,
            order_id=order_id,
            location_id=store,
            method=FulfillmentMethod.PICKUP.value,
            status=FulfillmentStatus.AWAITING_TRANSFER.value,
            day=now.date().isoformat(),
            transfer_from=source,
            created_at=now,
            updated_at=now,
        )
    )
    await conn.execute(
        fulfillment_lines.insert(), [{"fulfillment_id": pickup_id, "sku": x.sku, "quantity": x.quantity} for x in lines]
    )


async def lock_leg(
    conn: AsyncConnection, order_id: str, source: str, store: str
) -> fulfillment_store.FulfillmentRow | None:
    """The transfer leg of an order from `source` to `store`, locked (its order is locked first by the caller)."""
    f = fulfillments.c
    return await _lock_one(conn, f.order_id == order_id, f.location_id == source, f.transfer_to == store)


async def lock_pickup(
    conn: AsyncConnection, order_id: str, source: str, store: str
) -> fulfillment_store.FulfillmentRow | None:
    """The store's pickup an order's leg from `source` serves, locked (the leg is locked first by the caller)."""
    f = fulfillments.c
    return await _lock_one(conn, f.order_id == order_id, f.location_id == store, f.transfer_from == source)


async def _lock_one(conn: AsyncConnection, *where: Any) -> fulfillment_store.FulfillmentRow | None:
    """The one fulfillment these conditions name, locked (None when there is none)."""
    found = (await conn.execute(for_update(conn, select(fulfillments.c.id).where(*where)))).scalar()
    return None if found is None else await fulfillment_store.lock_fulfillment(conn, found)


async def arrive(
    conn: AsyncConnection, store: str, quantities: dict[str, int], *, reserve: bool, now: datetime, why: Why
) -> None:
    """The units join the store's shelf: on hand, and reserved for the pickup when `reserve` (ATP unchanged);
    a store that never held the SKU gets its position. Positions in lock order (location, sku)."""
    p = positions.c
    for sku in sorted(quantities):
        units = quantities[sku]
        held = units if reserve else 0
        marks = ledger_marks(why)  # the ledger's trigger copies them: a transfer's units arrived
        stmt = upsert(conn, positions).values(
            sku=sku, location_id=store, on_hand=units, reserved=held, updated_at=now, **marks
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[p.sku, p.location_id],
            set_={"on_hand": p.on_hand + units, "reserved": p.reserved + held, "updated_at": now, **marks},
        )
        await conn.execute(stmt)


async def ready_pickup(conn: AsyncConnection, pickup_id: str, progress: StepProgress, code_digest: str) -> None:
    """The pickup is handed over to the shelf: its one step done, its collection code's digest stored."""
    await conn.execute(
        update(fulfillments)
        .where(fulfillments.c.id == pickup_id)
        .values(
            steps=list(progress.steps),
            step_log=fulfillment_store.progress_to_json(progress),
            collection_code_digest=code_digest,
            collection_failures=0,
        )
    )
