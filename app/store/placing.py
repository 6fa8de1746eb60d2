"""placeOrder's reads and writes, in as few round trips as the backend allows.

Under contention every round trip of a command costs twice: the CPU of
driving it (both ends, on a machine PostgreSQL shares), and the time the
event loop takes to come back to the command. So placing an order reads once
(the cart's items and positions, the cached reference data's version tokens
and the fraud policy, in one statement) and, on PostgreSQL, writes once: the
order row claims the idempotency key; the lines, fulfillments, first event,
outbox event and guarded reservations happen only when that claim succeeded
(data-modifying CTEs), and a reservation that does not hold fails the whole
statement. SQLite has no data-modifying CTEs and writes them one by one in the
command's transaction, reservations last.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import ARRAY, String, and_, any_, bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from app import tracing
from app.store import counters, driver, outbox, versions
from app.store import orders as order_store
from app.store import reservations as reservation_store
from app.store.counters import CapacityClaim
from app.store.positions import StockView, expired_hold_units
from app.store.tables.catalog import items
from app.store.tables.inventory import positions
from app.store.tables.rules import fraud_policy
from domain.inventory import Position
from domain.ledger import Cause, Why
from domain.orders import FulfillmentLine, FulfillmentStatus, OrderEvent, OrderRequest, OrderStatus
from domain.preorders import PreorderItem, unreleased
from domain.tasks import FraudPolicy


@dataclass(slots=True)
class OrderStock:
    """What placing an order reads: the known SKUs, their positions and categories, the fraud policy."""

    known: set[str]
    view: StockView
    fraud: FraudPolicy
    expired: dict[tuple[str, str], int] = field(default_factory=dict)  # (location, sku) -> units of lapsed holds
    preorders: dict[str, PreorderItem] = field(default_factory=dict)  # items not released yet: no stock sold


def _order_stock_query(skus: Any) -> Any:
    """Built once per backend: constructing this select costs more than running it."""
    p = positions.c
    policy = (fraud_policy.c.hold_at_risk_score, fraud_policy.c.hold_at_order_total)
    expired = expired_hold_units()
    lapsed = func.coalesce(expired.c.units, 0)
    return (
        select(
            items.c.sku,
            items.c.category,
            items.c.release_at,
            items.c.preorder_limit,
            items.c.preorder_units,
            items.c.sale_opened_at,
            p.location_id,
            p.on_hand,
            p.reserved - lapsed,
            lapsed,
            p.inbound,
            p.inbound_eta,
            versions.token_column(versions.LOCATIONS),
            versions.token_column(versions.RULES),
            versions.token_column(versions.PROFILES),
            *(select(c).where(fraud_policy.c.id == 1).scalar_subquery().label(c.name) for c in policy),
        )
        .outerjoin(positions, p.sku == items.c.sku)  # an item without positions still says it is known
        .outerjoin(expired, and_(expired.c.sku == p.sku, expired.c.location_id == p.location_id))
        .where(skus)
    )


_ORDER_STOCK = _order_stock_query(items.c.sku.in_(bindparam("skus", expanding=True)))
_ORDER_STOCK_PG = driver.Precompiled(_order_stock_query(items.c.sku == any_(bindparam("skus", type_=ARRAY(String)))))


async def order_stock(
    conn: AsyncConnection, skus: Sequence[str], now: datetime, *, releasing: bool = False
) -> OrderStock:
    """One statement: which SKUs are items, their positions, the version tokens and the fraud policy.

    Positions of SKUs that are not items are left out: such an order is refused anyway. `releasing`: the
    release job's read, for which an item past its release is released (its sale opens after the job)."""
    wanted = sorted(set(skus))
    found = OrderStock(set(), StockView({sku: [] for sku in wanted}, {}), FraudPolicy())
    if not wanted:
        return found
    pg = await driver.asyncpg_connection(conn, begin=False)  # a read needs no transaction of its own
    if pg is not None:
        rows = await driver.fetch(conn, pg, _ORDER_STOCK_PG, {"skus": wanted, "now": now})
    else:
        rows = list(await conn.execute(_ORDER_STOCK, {"skus": wanted, "now": now}))
    for row in rows:
        (
            sku,
            category,
            release_at,
            limit,
            units,
            opened,
            location_id,
            on_hand,
            reserved,
            lapsed,
            inbound,
            eta,
            *tokens,
            risk,
            total,
        ) = row
        if lapsed:
            found.expired[(location_id, sku)] = int(lapsed)
        found.known.add(sku)
        found.view.categories[sku] = category
        opened = now if releasing else opened
        if unreleased(release_at, now, preordered=int(units), opened_at=opened):  # stock not on sale yet
            found.preorders[sku] = PreorderItem(sku, release_at, limit, int(units))
        elif location_id is not None:
            found.view.positions[sku].append(Position(sku, location_id, on_hand, reserved, inbound, eta))
        found.view.tokens = (tokens[0], tokens[1], tokens[2])
        found.fraud = FraudPolicy(risk, total)
    return found


@dataclass(frozen=True, slots=True)
class NewOrder:
    """Everything placeOrder writes for a new order, decided before the first write."""

    order_id: str
    request: OrderRequest
    status: OrderStatus
    on_hold: bool
    plan: dict[str, Any]
    groups: dict[str, list[FulfillmentLine]]
    fulfillment_ids: dict[str, str]
    event: OrderEvent
    outbox_id: str
    outbox_type: str
    outbox_payload: dict[str, Any]
    now: datetime
    reservations: tuple[Reservation, ...]  # in lock order: (location, sku)
    claims: tuple[CapacityClaim, ...] = ()  # units of daily capacity to claim, in location order
    capacity_days: dict[str, str] = field(default_factory=dict)  # per fulfillment location: the day it counts in
    slot: tuple[str, datetime, int] | None = None  # (location, starts at, capacity): the pickup slot to book


@dataclass(frozen=True, slots=True)
class Reservation:
    location_id: str
    sku: str
    quantity: int
    held: int  # units the availability rules hold back at this position


class Written(enum.Enum):
    PLACED = "placed"  # the order is written and its stock reserved
    KEY_TAKEN = "key taken"  # another order has this idempotency key: nothing written
    STOCK_MOVED = "stock moved"  # a guarded reservation found less free stock than the read: nothing kept
    CAPACITY_FULL = "capacity full"  # a location's daily capacity was used up meanwhile: nothing kept
    SLOT_FULL = "slot full"  # the pickup slot filled up meanwhile: nothing kept


async def write_order(conn: AsyncConnection, new: NewOrder, *, more_writes: bool) -> Written:
    """Claim the idempotency key, write the order whole and reserve its stock, or write nothing.

    On PostgreSQL this is one statement; unless the command has `more_writes`
    to make, it needs no transaction around it (no BEGIN or COMMIT round trip),
    and the position rows are locked only while PostgreSQL runs it. A
    concurrent command holding the same key makes this wait until it ends."""
    pg = await driver.asyncpg_connection(conn, begin=more_writes)
    if pg is not None:
        try:
            rows = await driver.fetch(conn, pg, _WRITE_ORDER_PG, _pg_parameters(new))
        except asyncpg.InvalidTextRepresentationError as error:
            for failed in (Written.STOCK_MOVED, Written.CAPACITY_FULL, Written.SLOT_FULL):
                if f'"{failed.value}"' in str(error):
                    return failed  # the statement failed whole: no order, no reservation, no claim
            raise
        return Written.PLACED if rows[0][0] else Written.KEY_TAKEN
    request = new.request
    if not await order_store.claim_idempotency_key(
        conn, new.order_id, request, new.now, status=new.status, on_hold=new.on_hold, plan=new.plan
    ):
        return Written.KEY_TAKEN
    await order_store.save_order_details(
        conn,
        order_id=new.order_id,
        request=request,
        groups=new.groups,
        ids=new.fulfillment_ids,
        now=new.now,
        capacity_days=new.capacity_days,
    )
    await order_store.add_event(conn, new.event)
    await outbox.add_event(conn, new.outbox_id, new.outbox_type, new.outbox_payload, new.now)
    for x in new.reservations:  # last, in lock order; the caller rolls back on STOCK_MOVED
        if not await reservation_store.reserve(
            conn,
            sku=x.sku,
            location_id=x.location_id,
            quantity=x.quantity,
            held=x.held,
            now=new.now,
            why=Why(Cause.ORDER, new.order_id),
        ):
            return Written.STOCK_MOVED
    for claim in new.claims:
        if not await counters.claim_capacity(conn, claim, new.now):
            return Written.CAPACITY_FULL
    if new.slot is not None and not await counters.book_slot(conn, *new.slot, new.now):
        return Written.SLOT_FULL
    return Written.PLACED


_WRITE_ORDER_PG = driver.Precompiled(
    text(
        """
WITH claim AS (
    INSERT INTO orders (id, idempotency_key, fingerprint, status, on_hold, channel, market, customer_id,
                        customer_segment, customer_email, delivery, total, risk_score, plan, created_at, updated_at)
    VALUES (:id, :key, :fingerprint, :status, :on_hold, :channel, :market, :customer_id,
            :segment, :email, CAST(:delivery AS json), :total, :risk_score, CAST(:plan AS json),
            CAST(:now AS timestamptz), CAST(:now AS timestamptz))
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id
), new_lines AS (
    INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price, services)
    SELECT claim.id, l.line_no, l.sku, l.quantity, l.unit_price, CAST(l.services AS json)
    FROM claim, unnest(CAST(:line_nos AS int[]), CAST(:line_skus AS text[]), CAST(:line_quantities AS int[]),
                       CAST(:line_prices AS float8[]), CAST(:line_services AS text[]))
         AS l(line_no, sku, quantity, unit_price, services)
), new_fulfillments AS (
    INSERT INTO fulfillments (id, order_id, location_id, method, status, day, capacity_day, created_at, updated_at)
    SELECT f.id, claim.id, f.location_id, CAST(:method AS text), CAST(:fulfillment_status AS text), CAST(:day AS text),
           f.capacity_day, CAST(:now AS timestamptz), CAST(:now AS timestamptz)
    FROM claim, unnest(CAST(:fulfillment_ids AS text[]), CAST(:fulfillment_locations AS text[]),
                       CAST(:fulfillment_capacity_days AS text[]))
         AS f(id, location_id, capacity_day)
), new_fulfillment_lines AS (
    INSERT INTO fulfillment_lines (fulfillment_id, sku, quantity)
    SELECT x.fulfillment_id, x.sku, x.quantity
    FROM claim, unnest(CAST(:fl_ids AS text[]), CAST(:fl_skus AS text[]), CAST(:fl_quantities AS int[]))
         AS x(fulfillment_id, sku, quantity)
), new_event AS (
    INSERT INTO order_events (order_id, type, status, at, message)
    SELECT claim.id, CAST(:event_type AS text), CAST(:event_status AS text), CAST(:now AS timestamptz),
           CAST(:event_message AS text)
    FROM claim
), new_outbox AS (
    INSERT INTO outbox_events (id, seq, type, payload, created_at, fanned_out, traceparent)
    SELECT CAST(:outbox_id AS text), CAST(:outbox_seq AS bigint), CAST(:outbox_type AS text),
           CAST(:outbox_payload AS json), CAST(:now AS timestamptz), false, CAST(:outbox_traceparent AS text)
    FROM claim
), locked AS (
    -- the positions to reserve, locked in (location, sku) order like every other writer of positions
    SELECT p.sku, p.location_id, t.quantity, t.held
    FROM positions AS p
    JOIN unnest(CAST(:take_skus AS text[]), CAST(:take_locations AS text[]), CAST(:take_quantities AS int[]),
                CAST(:take_held AS int[])) AS t(sku, location_id, quantity, held)
      ON p.sku = t.sku AND p.location_id = t.location_id
    WHERE EXISTS (SELECT 1 FROM claim)
    ORDER BY p.location_id, p.sku
    FOR UPDATE OF p
), reserved AS (
    UPDATE positions AS p SET reserved = p.reserved + l.quantity, updated_at = CAST(:now AS timestamptz),
                              ledger_cause = CAST(:ledger_cause AS text), ledger_ref = CAST(:id AS text)
    FROM locked AS l
    WHERE p.sku = l.sku AND p.location_id = l.location_id AND p.on_hand - p.reserved - l.held >= l.quantity
    RETURNING 1
), capacity AS (
    -- after the reservations (it reads them): positions, then capacity counters, then the slot, like every writer
    INSERT INTO location_day_load AS d (location_id, day, used, capacity)
    SELECT c.location_id, c.day, 1, c.capacity
    FROM unnest(CAST(:claim_locations AS text[]), CAST(:claim_days AS text[]), CAST(:claim_limits AS int[]))
         AS c(location_id, day, capacity)
    WHERE c.capacity >= 1 AND EXISTS (SELECT 1 FROM claim) AND (SELECT count(*) FROM reserved) = :take_count
    ORDER BY c.location_id
    ON CONFLICT (location_id, day) DO UPDATE SET used = d.used + 1, capacity = EXCLUDED.capacity
    WHERE d.used - (SELECT count(*) FROM checkout_holds AS h  -- claims of holds past their time count nowhere
                    WHERE h.status = 'ACTIVE' AND h.expires_at <= CAST(:now AS timestamptz)
                      AND h.capacity_days ->> d.location_id = d.day) < EXCLUDED.capacity
    RETURNING 1
), slot AS (
    INSERT INTO pickup_slot_load AS s (location_id, starts_at, booked, capacity)
    SELECT CAST(:slot_location AS text), CAST(:slot_starts_at AS timestamptz), 1, CAST(:slot_capacity AS int)
    WHERE CAST(:slot_location AS text) IS NOT NULL AND CAST(:slot_capacity AS int) >= 1
      AND EXISTS (SELECT 1 FROM claim) AND (SELECT count(*) FROM capacity) = :claim_count
    ON CONFLICT (location_id, starts_at) DO UPDATE SET booked = s.booked + 1, capacity = EXCLUDED.capacity
    WHERE s.booked - (SELECT count(*) FROM checkout_holds AS h
                      WHERE h.status = 'ACTIVE' AND h.expires_at <= CAST(:now AS timestamptz)
                        AND h.slot_location_id = s.location_id AND h.slot_starts_at = s.starts_at) < EXCLUDED.capacity
    RETURNING 1
)
-- A claimed order whose every reservation, capacity claim and slot booking did not hold fails the whole
-- statement: the cast of the reason to int raises, and nothing above is kept.
SELECT (SELECT count(*) FROM claim),
       CAST(CASE WHEN (SELECT count(*) FROM claim) = 0 THEN '1'
                 WHEN (SELECT count(*) FROM reserved) <> :take_count THEN 'stock moved'
                 WHEN (SELECT count(*) FROM capacity) <> :claim_count THEN 'capacity full'
                 WHEN (SELECT count(*) FROM slot) <> :slot_count THEN 'slot full'
                 ELSE '1' END AS int)
"""
    )
)


def _pg_parameters(new: NewOrder) -> dict[str, Any]:
    request, now = new.request, new.now
    fulfillment_lines = [(new.fulfillment_ids[loc], x) for loc, lines in new.groups.items() for x in lines]
    return {
        "id": new.order_id,
        "key": request.idempotency_key,
        "fingerprint": request.fingerprint(),
        "status": new.status.value,
        "on_hold": new.on_hold,
        "channel": request.channel,
        "market": request.market,
        "customer_id": request.customer.id,
        "segment": request.customer.segment,
        "email": request.customer.email,
        "delivery": json.dumps(order_store.delivery_to_json(request.delivery)),
        "total": request.total,
        "risk_score": request.risk_score,
        "plan": json.dumps(new.plan),
        "now": now,
        "line_nos": list(range(1, len(request.lines) + 1)),
        "line_skus": [x.sku for x in request.lines],
        "line_quantities": [x.quantity for x in request.lines],
        "line_prices": [x.unit_price for x in request.lines],
        "line_services": [json.dumps(list(x.services)) for x in request.lines],
        "method": request.delivery.method.value,
        "fulfillment_status": FulfillmentStatus.AWAITING_PICK.value,
        "day": now.date().isoformat(),
        "fulfillment_ids": [new.fulfillment_ids[loc] for loc in new.groups],
        "fulfillment_locations": list(new.groups),
        "fulfillment_capacity_days": [new.capacity_days.get(loc) for loc in new.groups],
        "fl_ids": [fid for fid, _ in fulfillment_lines],
        "fl_skus": [x.sku for _, x in fulfillment_lines],
        "fl_quantities": [x.quantity for _, x in fulfillment_lines],
        "event_type": new.event.type,
        "event_status": new.event.status.value,
        "event_message": new.event.message,
        "outbox_id": new.outbox_id,
        "outbox_seq": outbox.sequence(now),
        "outbox_type": new.outbox_type,
        "outbox_payload": json.dumps(new.outbox_payload),
        "outbox_traceparent": tracing.traceparent(),
        "take_skus": [x.sku for x in new.reservations],
        "take_locations": [x.location_id for x in new.reservations],
        "take_quantities": [x.quantity for x in new.reservations],
        "take_held": [x.held for x in new.reservations],
        "take_count": len(new.reservations),
        "ledger_cause": Cause.ORDER.value,
        "claim_locations": [x.location_id for x in new.claims],
        "claim_days": [x.day for x in new.claims],
        "claim_limits": [x.capacity for x in new.claims],
        "claim_count": len(new.claims),
        "slot_location": new.slot[0] if new.slot else None,
        "slot_starts_at": new.slot[1] if new.slot else None,
        "slot_capacity": new.slot[2] if new.slot else None,
        "slot_count": 1 if new.slot else 0,
    }
