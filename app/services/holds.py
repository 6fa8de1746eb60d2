"""Use cases for checkout holds: create, extend, release, read, and the sweeper that ends lapsed ones.

Creating a hold is placing an order without the order: the same read, the
same sourcing (profile, explanation), the same guarded reservations, capacity
claims and slot booking, all in one transaction, retried from a fresh read
when stock moves. The hold row claims its idempotency key first, so a replay
returns the hold it made.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from app.resources import Resources
from app.services import checkout, postal
from app.services import sourcing as routing
from app.services.inventory import AVAILABILITY_TOPIC
from app.services.orders import check_pickup
from app.services.uow import UnitOfWork, utc_now
from app.store import counters, reservations
from app.store import holds as store
from app.store.db import Database
from domain import holds as rules
from domain import sourcing
from domain.access import Principal
from domain.errors import IdempotencyConflict, NotFound
from domain.holds import Hold, HoldRequest, HoldStatus
from domain.ledger import Cause, Why

SWEEP_BATCH = 200


@dataclass(frozen=True, slots=True)
class Held:
    hold: Hold
    created: bool


def _ask(request: HoldRequest) -> routing.Ask:
    return routing.Ask(
        channel=request.channel,
        market=request.market,
        lines=sourcing.merge_lines(request.lines),
        method=request.delivery.method,
        destination=request.delivery.geo,
        pickup_location_id=request.delivery.pickup_location_id,
    )


async def create_hold(resources: Resources, *, request: HoldRequest, caller: Principal) -> Held:
    request = replace(request, delivery=await postal.resolved(resources.db, request.delivery))
    return await checkout.retried(
        lambda: _create_once(resources, request, caller),
        doing="holding the cart",
        kept="nothing was held",
        field=("lines",),
    )


async def _create_once(resources: Resources, request: HoldRequest, caller: Principal) -> Held:
    uow = resources.uow()
    async with uow:
        read = await resources.availability.order_stock_in(uow.conn, [x.sku for x in request.lines], uow.now)
        rules.validate(request, read.known)
        check_pickup(resources, request.delivery)
        slot = await checkout.slot_booking(uow.conn, resources, request.delivery, uow.now)
        inputs = await routing.gather(uow.conn, resources, _ask(request), uow.now, stock=read.view)
        plan = routing.run(inputs)
        if not plan.complete:
            existing = await store.by_key(uow.conn, request.idempotency_key)
            if existing is not None:  # a replay gets its hold even when the stock has gone since
                return Held(_replayed(existing, request, caller), False)
            raise checkout.shortfall(inputs, plan)
        takes = sorted((a.location_id, a.sku, a.quantity) for a in plan.allocations)
        claims = checkout.capacity_claims(resources.availability.cache.locations, {x[0] for x in takes}, uow.now)
        await checkout.expire_lapsed(uow, takes, read.expired)
        hold = Hold(
            id=f"hold_{uuid.uuid4().hex[:20]}",
            status=HoldStatus.ACTIVE,
            owner=caller.subject,
            channel=request.channel,
            market=request.market,
            lines=sourcing.merge_lines(request.lines),
            delivery=request.delivery,
            plan=routing.plan_to_json(plan, inputs.profile),
            capacity_days={x.location_id: x.day for x in claims},
            expires_at=uow.now + timedelta(seconds=request.ttl_seconds),
            created_at=uow.now,
            fingerprint=request.fingerprint(),
            slot=(slot.location_id, slot.starts_at) if slot else None,
            allocations=tuple(takes),
        )
        written = await store.insert_hold(uow.conn, hold, request.idempotency_key)
        if not written:  # a concurrent request with the same key won: replay what it made
            found = await store.by_key(uow.conn, request.idempotency_key)
            if found is None:
                raise IdempotencyConflict("The idempotency key is in use", ("idempotencyKey",))
            return Held(_replayed(found, request, caller), False)
        await store.insert_lines(uow.conn, hold.id, takes, hold.expires_at)
        for loc, sku, qty in takes:  # in lock order
            held = inputs.held.get((loc, sku), 0)
            why = Why(Cause.HOLD, hold.id)
            if not await reservations.reserve(
                uow.conn, sku=sku, location_id=loc, quantity=qty, held=held, now=uow.now, why=why
            ):
                raise checkout.StockMoved
        for claim in claims:
            if not await counters.claim_capacity(uow.conn, claim, uow.now):
                raise checkout.StockMoved(capacity=True)
        if slot is not None and not await counters.book_slot(
            uow.conn, slot.location_id, slot.starts_at, slot.capacity, uow.now
        ):
            raise checkout.slot_full()
        uow.emit(AVAILABILITY_TOPIC, {"skus": sorted({sku for _, sku, _ in takes})})
    return Held(hold, True)


def _replayed(existing: Hold, request: HoldRequest, caller: Principal) -> Hold:
    if existing.fingerprint != request.fingerprint() or existing.owner != caller.subject:
        raise IdempotencyConflict("This idempotencyKey was used for a different hold", ("idempotencyKey",))
    return existing


async def _owned(uow: UnitOfWork, hold_id: str, caller: Principal) -> Hold:
    hold = await store.get(uow.conn, hold_id, lock=True)
    if hold is None:
        raise NotFound(f"No checkout hold {hold_id!r}", ("id",))
    rules.may_use(hold, caller.subject, caller.is_staff)
    return hold


async def extend_hold(resources: Resources, *, hold_id: str, ttl_seconds: int, caller: Principal) -> Hold:
    """More time for a live hold: `ttl_seconds` from now (never shorter than it had)."""
    uow = resources.uow()
    async with uow:
        hold = await _owned(uow, hold_id, caller)
        until = rules.extended_until(hold, ttl_seconds, uow.now)
        await store.extend(uow.conn, hold.id, until, uow.now)
        found = await store.get(uow.conn, hold.id)
        assert found is not None
    return found


async def release_hold(resources: Resources, *, hold_id: str, caller: Principal) -> Hold:
    """The shopper gave up: the units, the capacity and the slot go back at once."""
    uow = resources.uow()
    async with uow:
        hold = await _owned(uow, hold_id, caller)
        rules.check_live(hold, uow.now)
        await checkout.end_holds(uow, [hold.id], HoldStatus.RELEASED)
        found = await store.get(uow.conn, hold.id)
        assert found is not None
    return found


async def get_hold(resources: Resources, *, hold_id: str, caller: Principal) -> Hold | None:
    """The hold, for its creator or staff; None for anyone else (as if it did not exist)."""
    async with resources.db.read() as conn:
        hold = await store.get(conn, hold_id)
    if hold is None or (not caller.is_staff and hold.owner != caller.subject):
        return None
    return hold


async def sweep(resources: Resources) -> int:
    """End holds past their time (the scheduler's job): EXPIRED, their units, capacity and slots freed,
    availabilityChanged sent. Reads never waited for this (expiry is part of every query); it makes the rows
    say so. It looks with a read first, so an idle tick takes no write lock (SQLite has one writer at a time)."""
    ended = 0
    while True:
        async with resources.db.read() as conn:
            due = await store.due(conn, utc_now(), SWEEP_BATCH)
        if not due:
            return ended
        uow = resources.uow()
        async with uow:  # end_holds re-checks each under its lock: ended or extended meanwhile, left alone
            ended += len(await checkout.end_holds(uow, due, HoldStatus.EXPIRED, only_due=True))
        if len(due) < SWEEP_BATCH:
            return ended


async def hold_counts(db: Database, now: datetime | None = None) -> dict[str, int]:
    """Holds per status (ACTIVE past their time as EXPIRED), every status named, for /metrics."""
    async with db.read() as conn:
        found = await store.counts(conn, now or utc_now())
    return {status.value: found.get(status.value, 0) for status in HoldStatus}
