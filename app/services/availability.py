"""Use case: availability to promise for many SKUs, in one statement when warm.

Positions change all the time; locations and availability rules rarely. Each
replica caches the latter (`ReferenceCache`) and checks the cached version
tokens against the database's in the very statement that reads the positions,
so a read is one statement, and a change made through any replica is seen by
the next read on every replica. The numbers are decided by `domain.atp`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from app.store import catalog, placing, positions, rules, versions
from app.store import pick_stats as pick_stats_store
from app.store import profiles as profile_store
from app.store.db import Database
from domain import atp
from domain.locations import Location
from domain.profiles import SourcingProfile


@dataclass(frozen=True, slots=True)
class AvailabilityKey:
    sku: str
    channel: str
    market: str
    location_ids: tuple[str, ...] | None = None


T = TypeVar("T")
_NEVER = "not loaded yet"  # never equal to a token (32 hex digits) nor to None


@dataclass(slots=True)
class ReferenceCache:
    """This replica's copy of the locations and the rule index, with their version tokens."""

    locations: dict[str, Location] = field(default_factory=dict)
    locations_token: str | None = _NEVER
    performance: dict[str, float] = field(default_factory=dict)  # measured by pick and pack; 1.0 when absent
    rules: atp.RuleIndex = field(default_factory=atp.RuleIndex)
    rules_token: str | None = _NEVER
    profiles: list[SourcingProfile] = field(default_factory=list)
    profiles_token: str | None = _NEVER

    async def refresh(
        self, conn: AsyncConnection, locations_token: str | None, rules_token: str | None, profiles_token: str | None
    ) -> None:
        """Reload whatever changed since this replica last looked (None: the set was never written)."""
        if locations_token != self.locations_token:
            self.locations = {x.id: x for x in await catalog.all_locations(conn)}
            self.performance = {loc: r.performance for loc, r in (await pick_stats_store.records(conn)).items()}
            self.locations_token = locations_token
        if rules_token != self.rules_token:
            self.rules = atp.RuleIndex(await rules.all_rules(conn))
            self.rules_token = rules_token
        if profiles_token != self.profiles_token:
            self.profiles = await profile_store.all_profiles(conn)
            self.profiles_token = profiles_token


class SharedFuture(asyncio.Future[T]):
    """A result many subscribers await directly. A waiter's task being cancelled tries to cancel the
    future it waits on; this one refuses (that waiter stops as soon as the result is in, the others
    still get it), which spares every waiter its own `asyncio.shield`."""

    def cancel(self, msg: Any | None = None) -> bool:
        return False

    def abandon(self) -> None:
        """Cancelled for every waiter: the read itself was cancelled (the loop is closing)."""
        super().cancel()


@dataclass(frozen=True, slots=True)
class Reading:
    """One shared read of a key: the value, the value this replica read for the key before it, and
    whether the two are equal, compared once for every subscriber rather than once by each."""

    value: atp.SkuAvailability
    previous: atp.SkuAvailability | None
    same: bool

    def changed_since(self, sent: atp.SkuAvailability | None) -> bool:
        """Does the value differ from `sent`, the last one a subscriber was given (None: nothing yet)?"""
        if sent is self.previous:  # the usual case: the subscriber was given the previous shared value
            return not self.same
        return sent is not self.value and sent != self.value  # a baseline of its own (a late joiner)


class SharedReads:
    """Subscribers woken by the same change message share one read per key on this replica.

    The hub hands every listener the same message object; a read is keyed by
    that message and the key, so a read started for an earlier change is never
    reused for a later one. Without this, 1,000 subscribers to a SKU made 1,000
    identical reads per change (the fan-out benchmark's profile). A subscriber
    looks its read up and awaits the one future all of them share."""

    KEEP_SECONDS = 1.0  # late wakers of the same message still share the result for this long
    KEYS_REMEMBERED = 10_000  # previous values kept for comparison; forgetting only costs a comparison

    def __init__(self, reader: AvailabilityReader) -> None:
        self._reader = reader
        self._reads: dict[tuple[int, AvailabilityKey], tuple[object, SharedFuture[Reading]]] = {}
        self._latest: dict[AvailabilityKey, atp.SkuAvailability] = {}
        self._running: set[asyncio.Task[None]] = set()  # the event loop keeps only weak references

    def reading(self, message: object, key: AvailabilityKey) -> SharedFuture[Reading]:
        """The shared read of `key` for this change message, started by the first subscriber to ask."""
        slot = (id(message), key)
        entry = self._reads.get(slot)
        if entry is not None and entry[0] is message:  # the message is held by the entry: its id is not reused
            return entry[1]
        loop = asyncio.get_running_loop()
        future: SharedFuture[Reading] = SharedFuture(loop=loop)
        self._reads[slot] = (message, future)
        task = loop.create_task(self._read(key, future))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        future.add_done_callback(lambda _: loop.call_later(self.KEEP_SECONDS, self._forget, slot, future))
        return future

    async def _read(self, key: AvailabilityKey, future: SharedFuture[Reading]) -> None:
        try:
            [value] = await self._reader.read([key])
        except asyncio.CancelledError:
            future.abandon()
            raise
        except Exception as error:  # noqa: BLE001 - handed to every waiter, as each would have read it alone
            future.set_exception(error)
            return
        previous = self._latest.get(key)
        if previous is None and len(self._latest) >= self.KEYS_REMEMBERED:
            self._latest.clear()
        self._latest[key] = value
        future.set_result(Reading(value, previous, previous is not None and previous == value))

    def _forget(self, slot: tuple[int, AvailabilityKey], future: SharedFuture[Reading]) -> None:
        entry = self._reads.get(slot)
        if entry is not None and entry[1] is future:
            del self._reads[slot]


class AvailabilityReader:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.cache = ReferenceCache()

    async def read(self, keys: Sequence[AvailabilityKey]) -> list[atp.SkuAvailability]:
        """Availability for each key, in the keys' order."""
        if not keys:
            return []
        filters = {k.location_ids for k in keys}
        location_filter = None if None in filters or len(filters) > 1 else next(iter(filters))
        async with self.db.read() as conn:
            stock = await positions.stock_for(conn, (k.sku for k in keys), location_filter)
            if stock.tokens is not None:
                await self.cache.refresh(conn, *stock.tokens)
        return [self._one(key, stock) for key in keys]

    async def stock_in(
        self, conn: AsyncConnection, skus: Sequence[str], now: datetime | None = None
    ) -> positions.StockView:
        """Positions of these SKUs read on a command's own connection, with the cache brought up to date."""
        stock = await positions.stock_for(conn, skus, now=now)
        await self._refresh(conn, stock)
        return stock

    async def order_stock_in(
        self, conn: AsyncConnection, skus: Sequence[str], now: datetime, *, releasing: bool = False
    ) -> placing.OrderStock:
        """What placing an order reads (items, positions, fraud policy), with the cache brought up to date."""
        found = await placing.order_stock(conn, skus, now, releasing=releasing)
        await self._refresh(conn, found.view)
        return found

    async def _refresh(self, conn: AsyncConnection, stock: positions.StockView) -> None:
        tokens = stock.tokens
        if tokens is None:  # no row came back to carry them
            found = await versions.tokens(conn)
            tokens = (found.get(versions.LOCATIONS), found.get(versions.RULES), found.get(versions.PROFILES))
        await self.cache.refresh(conn, *tokens)

    def _one(self, key: AvailabilityKey, stock: positions.StockView) -> atp.SkuAvailability:
        held = stock.positions.get(key.sku, [])
        if key.location_ids is not None:
            wanted = set(key.location_ids)
            held = [p for p in held if p.location_id in wanted]
        category = stock.categories.get(key.sku)
        return atp.availability(
            key.sku,
            key.channel,
            key.market,
            positions=held,
            locations=self.cache.locations,
            category=category,
            rules=self.cache.rules.candidates(key.sku, category, key.channel, key.market),
        )
