"""Queries for inventory positions: guarded feed writes and batched reads.

Each feed update is one guarded statement, so the staleness rule of
`domain.inventory.is_stale` holds even when two feeds race on a position:
the `WHERE` of the upsert compares against the row as it is at write time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.store import versions
from app.store.ledger import ledger_marks
from app.store.sql import upsert, within
from app.store.tables.catalog import items
from app.store.tables.checkout import hold_lines
from app.store.tables.inventory import inventory_events, positions
from app.store.types import UtcDateTime
from domain.inventory import MAX_UNITS, InventoryUpdate, Position
from domain.ledger import Cause, Why
from domain.preorders import unreleased


async def apply_snapshot(conn: AsyncConnection, update: InventoryUpdate, source: str, now: datetime, why: Why) -> bool:
    """Set on-hand to the counted quantity unless a newer snapshot was applied."""
    stmt = upsert(conn, positions).values(
        **_new_position(update, source, now, why, on_hand=update.quantity), snapshot_as_of=update.as_of
    )
    target = positions.c
    changes = {
        "on_hand": stmt.excluded.on_hand,
        "snapshot_as_of": stmt.excluded.snapshot_as_of,
        **_sync_marks(stmt, update),
    }
    stmt = stmt.on_conflict_do_update(
        index_elements=["sku", "location_id"],
        set_=changes,
        where=or_(target.snapshot_as_of.is_(None), target.snapshot_as_of <= stmt.excluded.snapshot_as_of),
    )
    return (await conn.execute(stmt)).rowcount == 1


async def record_event(conn: AsyncConnection, update: InventoryUpdate, source: str, now: datetime) -> bool:
    """Remember a delta's (source, eventId); False when it was seen before."""
    stmt = upsert(conn, inventory_events).values(
        source=source,
        event_id=update.event_id,
        sku=update.sku,
        location_id=update.location_id,
        quantity=update.quantity,
        as_of=update.as_of,
        received_at=now,
    )
    return (await conn.execute(stmt.on_conflict_do_nothing())).rowcount == 1


async def apply_delta(conn: AsyncConnection, update: InventoryUpdate, source: str, now: datetime, why: Why) -> bool:
    """Add the change to on-hand unless a later snapshot already counted it."""
    stmt = upsert(conn, positions).values(**_new_position(update, source, now, why, on_hand=update.quantity))
    target = positions.c
    on_hand = within(conn, target.on_hand + stmt.excluded.on_hand, -MAX_UNITS, MAX_UNITS)  # deltas pile up
    changes = {"on_hand": on_hand, **_sync_marks(stmt, update)}
    stmt = stmt.on_conflict_do_update(
        index_elements=["sku", "location_id"],
        set_=changes,
        where=or_(target.snapshot_as_of.is_(None), target.snapshot_as_of <= stmt.excluded.last_synced_at),
    )
    return (await conn.execute(stmt)).rowcount == 1


def _new_position(update: InventoryUpdate, source: str, now: datetime, why: Why, *, on_hand: int) -> dict[str, object]:
    return {
        **ledger_marks(why),
        "sku": update.sku,
        "location_id": update.location_id,
        "on_hand": on_hand,
        "reserved": 0,
        "inbound": update.inbound or 0,
        "inbound_eta": update.inbound_eta,
        "last_synced_at": update.as_of,
        "last_source": source,
        "updated_at": now,
    }


def _sync_marks(stmt: object, update: InventoryUpdate) -> dict[str, object]:
    excluded = stmt.excluded  # type: ignore[attr-defined]
    marks: dict[str, object] = {
        "last_synced_at": excluded.last_synced_at,
        "last_source": excluded.last_source,
        "updated_at": excluded.updated_at,
        "ledger_cause": excluded.ledger_cause,
        "ledger_ref": excluded.ledger_ref,
    }
    if update.inbound is not None:
        marks["inbound"] = excluded.inbound
        marks["inbound_eta"] = excluded.inbound_eta
    return marks


@dataclass(slots=True)
class StockView:
    """Positions of some SKUs, the SKUs' categories, and the reference data's version tokens."""

    positions: dict[str, list[Position]]
    categories: dict[str, str]
    tokens: tuple[str | None, str | None, str | None] | None = None  # (locations, rules, profiles); None: no row


def expired_hold_units() -> Any:
    """Units still counted in `positions.reserved` for holds past their time (bound `now`), per position:
    every read subtracts them, so an expired hold counts nowhere even before the sweeper ends it."""
    h = hold_lines.c
    return (
        select(h.sku, h.location_id, func.sum(h.quantity).label("units"))
        .where(h.expires_at <= bindparam("now", type_=UtcDateTime()))
        .group_by(h.sku, h.location_id)
        .subquery("expired_holds")
    )


def _stock_query(skus: Sequence[str], location_ids: Sequence[str] | None) -> Select[Any]:
    expired = expired_hold_units()
    query = (
        select(
            positions.c.sku,
            positions.c.location_id,
            positions.c.on_hand,
            positions.c.reserved - func.coalesce(expired.c.units, 0),
            positions.c.inbound,
            positions.c.inbound_eta,
            items.c.category,
            items.c.release_at,
            items.c.preorder_units,
            items.c.sale_opened_at,
            versions.token_column(versions.LOCATIONS),
            versions.token_column(versions.RULES),
            versions.token_column(versions.PROFILES),
        )
        .outerjoin(items, items.c.sku == positions.c.sku)
        .outerjoin(expired, and_(expired.c.sku == positions.c.sku, expired.c.location_id == positions.c.location_id))
        .where(positions.c.sku.in_(list(skus)))
    )
    if location_ids is not None:
        query = query.where(and_(positions.c.location_id.in_(list(location_ids))))
    return query


async def stock_for(
    conn: AsyncConnection, skus: Iterable[str], location_ids: Sequence[str] | None = None, now: datetime | None = None
) -> StockView:
    """One statement: the positions, the SKUs' categories and the reference version tokens.

    Positions of SKUs that are not items are left out, as placing an order leaves them out: a stock
    feed may arrive before the catalogue's item, and nothing is promised that checkout would refuse."""
    wanted = sorted(set(skus))
    view = StockView({sku: [] for sku in wanted}, {})
    if not wanted:
        return view
    now = now or datetime.now(UTC)
    result = await conn.execute(_stock_query(wanted, location_ids), {"now": now})
    for sku, location_id, on_hand, reserved, inbound, eta, category, release_at, preordered, opened, *tokens in result:
        view.tokens = (tokens[0], tokens[1], tokens[2])
        if category is None:  # not an item (yet): its stock is kept for when it arrives, never promised
            continue
        if unreleased(release_at, now, preordered=preordered or 0, opened_at=opened):  # nothing promised yet
            view.categories[sku] = category
            continue
        view.positions[sku].append(Position(sku, location_id, on_hand, reserved, inbound, eta))
        view.categories[sku] = category
    return view


async def insert_snapshots(
    conn: AsyncConnection, updates: Sequence[InventoryUpdate], source: str, now: datetime, why: Why | None = None
) -> None:
    """Bulk-insert new positions (seeding an empty network); no conflict handling."""
    if not updates:
        return
    why = why or Why(Cause.SEED, source)
    values = [{**_new_position(u, source, now, why, on_hand=u.quantity), "snapshot_as_of": u.as_of} for u in updates]
    await conn.execute(positions.insert(), values)


async def count_positions(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.count()).select_from(positions))).scalar_one())


async def skus_at(conn: AsyncConnection, location_id: str) -> list[str]:
    """The SKUs a location holds a position for: whose availability moves when it opens or closes."""
    query = select(positions.c.sku).where(positions.c.location_id == location_id).order_by(positions.c.sku)
    return list((await conn.execute(query)).scalars())


async def restock(conn: AsyncConnection, sku: str, location_id: str, quantity: int, now: datetime, *, why: Why) -> None:
    """Returned units back on the shelf: on-hand goes up (a position is created if there was none)."""
    stmt = upsert(conn, positions).values(
        **ledger_marks(why),
        sku=sku,
        location_id=location_id,
        on_hand=quantity,
        reserved=0,
        inbound=0,
        last_synced_at=now,
        last_source="return",
        updated_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["sku", "location_id"],
        set_={
            "on_hand": within(conn, positions.c.on_hand + stmt.excluded.on_hand, -MAX_UNITS, MAX_UNITS),
            "updated_at": stmt.excluded.updated_at,
            "ledger_cause": stmt.excluded.ledger_cause,
            "ledger_ref": stmt.excluded.ledger_ref,
        },
    )
    await conn.execute(stmt)
