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


class SharedReads:
    """Subscribers woken by the same change message share one read per key on this replica.

    The hub hands every listener the same message object; a read is keyed by
    that message and the key, so a read started for an earlier change is never
    reused for a later one. Without this, 1,000 subscribers to a SKU made 1,000
    identical reads per change (the fan-out benchmark's profile)."""

    KEEP_SECONDS = 1.0  # late wakers of the same message still share the result for this long

    def __init__(self, reader: AvailabilityReader) -> None:
        self._reader = reader
        self._reads: dict[tuple[int, AvailabilityKey], tuple[object, asyncio.Future[list[atp.SkuAvailability]]]] = {}

    async def read(self, message: object, keys: Sequence[AvailabilityKey]) -> list[atp.SkuAvailability]:
        futures = [self._shared(message, key) for key in keys]
        results = await asyncio.gather(*(asyncio.shield(f) for f in futures))  # one waiter leaving cancels nothing
        return [found[0] for found in results]

    def _shared(self, message: object, key: AvailabilityKey) -> asyncio.Future[list[atp.SkuAvailability]]:
        slot = (id(message), key)
        entry = self._reads.get(slot)
        if entry is not None and entry[0] is message:  # the message is held by the entry: its id is not reused
            return entry[1]
        future = asyncio.ensure_future(self._reader.read([key]))
        self._reads[slot] = (message, future)
        loop = asyncio.get_running_loop()
        future.add_done_callback(lambda _: loop.call_later(self.KEEP_SECONDS, self._forget, slot, future))
        return future

    def _forget(self, slot: tuple[int, AvailabilityKey], future: asyncio.Future[list[atp.SkuAvailability]]) -> None:
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

    async def stock_in(self, conn: AsyncConnection, skus: Sequence[str]) -> positions.StockView:
        """Positions of these SKUs read on a command's own connection, with the cache brought up to date."""
        stock = await positions.stock_for(conn, skus)
        await self._refresh(conn, stock)
        return stock

    async def order_stock_in(self, conn: AsyncConnection, skus: Sequence[str]) -> placing.OrderStock:
        """What placing an order reads (items, positions, fraud policy), with the cache brought up to date."""
        found = await placing.order_stock(conn, skus)
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
