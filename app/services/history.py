"""Use case: availability as it was at a past moment (`availability(asOf:)`).

The positions come from the inventory ledger (each position's last entry at or
before the moment, minus the units of holds that were past their time then,
as every live read subtracted them), the availability rules from their
versions in force then; `domain.atp` decides the numbers exactly as it did
live. Locations and items are today's: their changes are not versioned (a
store closed since then counts as closed).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from app.services.availability import AvailabilityKey, AvailabilityReader
from app.store import catalog, versions
from app.store import ledger as ledger_store
from app.store import rules as rule_store
from app.store import simulations as simulation_store
from app.store.db import Database
from domain import accuracy, atp, ledger, simulation
from domain.errors import InvalidInput
from domain.inventory import Position
from domain.items import Item
from domain.preorders import unreleased


async def availability_as_of(
    reader: AvailabilityReader, keys: Sequence[AvailabilityKey], moment: datetime, now: datetime
) -> list[atp.SkuAvailability]:
    """Availability for each key as a read at `moment` answered it, in the keys' order."""
    if moment > now:
        raise InvalidInput("asOf is in the future", ("asOf",))
    skus = sorted({k.sku for k in keys})
    async with reader.db.read() as conn:
        entries = await ledger_store.entries_until(conn, skus, moment)
        spans = await ledger_store.spans_at(conn, skus, moment)
        items = await catalog.items_by_sku(conn, skus)
        rules = atp.RuleIndex(await rule_store.rules_at(conn, moment))
        found = await versions.tokens(conn)
        tokens = (found.get(versions.LOCATIONS), found.get(versions.RULES), found.get(versions.PROFILES))
        await reader.cache.refresh(conn, *tokens)  # today's locations
    by_sku: dict[str, list[Position]] = {}
    for position in ledger.positions_at(entries, spans, moment):
        item = items.get(position.sku)
        if item is not None and not unreleased(
            item.release_at, moment, preordered=item.preordered, opened_at=item.sale_opened_at
        ):
            by_sku.setdefault(position.sku, []).append(position)
    return [_one(reader, key, by_sku.get(key.sku, []), items, rules) for key in keys]


def _one(
    reader: AvailabilityReader,
    key: AvailabilityKey,
    held: list[Position],
    items: dict[str, Item],
    rules: atp.RuleIndex,
) -> atp.SkuAvailability:
    if key.location_ids is not None:
        wanted = set(key.location_ids)
        held = [p for p in held if p.location_id in wanted]
    item = items.get(key.sku)
    category = item.category if item is not None else None
    return atp.availability(
        key.sku,
        key.channel,
        key.market,
        positions=held,
        locations=reader.cache.locations,
        category=category,
        rules=rules.candidates(key.sku, category, key.channel, key.market),
    )


async def stock_accuracy(
    db: Database, start: datetime, end: datetime, location_ids: Sequence[str] | None
) -> list[accuracy.LocationAccuracy]:
    """Per location: how often counts matched what the OMS believed, and the safety stock that suggests."""
    simulation.check_window(start, end)
    async with db.read() as conn:
        opening, during = await ledger_store.window(conn, start, end)
        categories = await simulation_store.categories(conn, sorted({e.sku for e in during}))
    if location_ids is not None:
        wanted = set(location_ids)
        during = [e for e in during if e.location_id in wanted]
    days = (end - start).total_seconds() / 86400
    return accuracy.accuracy(during, categories, days, opening=opening)
