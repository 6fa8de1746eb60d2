"""Use case: apply an inventory feed (POS, WMS, ERP) to positions.

The rules are in `domain.inventory`; this module checks each update alone,
applies the valid ones in a fixed (location, sku) order inside one
transaction, and announces the SKUs whose stock moved after the commit.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.services.uow import UnitOfWork
from app.store import catalog, positions
from domain import inventory, ledger
from domain.errors import DomainError
from domain.inventory import InventoryUpdate, SyncMode, SyncOutcome

AVAILABILITY_TOPIC = "availability"
STOCK_SYNCED_TOPIC = "stock.synced"  # wakes the leader's release of waiting orders (backorders) at once


async def sync_inventory(
    uow: UnitOfWork, *, source: str, mode: SyncMode, updates: Sequence[InventoryUpdate]
) -> tuple[SyncOutcome, list[DomainError]]:
    inventory.check_source(source)
    inventory.check_batch_size(len(updates))
    errors: list[DomainError] = []
    async with uow:
        known = await catalog.existing_location_ids(uow.conn, (u.location_id for u in updates))
        valid: list[InventoryUpdate] = []
        for index, update in enumerate(updates):
            try:
                inventory.validate_update(update, mode, known, uow.now)
            except DomainError as error:
                errors.append(error.at("input", "updates", str(index)))
                continue
            valid.append(update)
        outcome = await _apply(uow, source, mode, valid)
        if outcome.changed_skus:
            uow.emit(AVAILABILITY_TOPIC, {"skus": sorted(outcome.changed_skus)})
            uow.emit(STOCK_SYNCED_TOPIC, {"skus": sorted(outcome.changed_skus)})
            await uow.record(
                "inventory.changed",
                {
                    "source": source,
                    "mode": mode.value,
                    "applied": outcome.applied,
                    "skus": sorted(outcome.changed_skus),
                },
            )
    return outcome, errors


async def _apply(uow: UnitOfWork, source: str, mode: SyncMode, updates: list[InventoryUpdate]) -> SyncOutcome:
    applied = stale = duplicates = 0
    changed: set[str] = set()
    # A stable sort keeps each position's updates in feed order and takes row
    # locks in the same (location, sku) order as reservations do.
    for update in sorted(updates, key=lambda u: (u.location_id, u.sku)):
        if mode is SyncMode.DELTA and not await positions.record_event(uow.conn, update, source, uow.now):
            duplicates += 1
            continue
        apply = positions.apply_snapshot if mode is SyncMode.SNAPSHOT else positions.apply_delta
        if await apply(uow.conn, update, source, uow.now, ledger.feed_why(mode, update, source)):
            applied += 1
            changed.add(update.sku)
        else:
            stale += 1
    return SyncOutcome(applied, stale, duplicates, frozenset(changed))
