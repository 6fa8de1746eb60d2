"""Use cases for the network and the assortment: locations and items.

Each entry of a batch is checked alone: a bad one becomes an error carrying
its index, the others are saved, all in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.services.results import BatchResult
from app.services.uow import UnitOfWork
from app.store import catalog
from app.store.db import Database
from domain import items as item_rules
from domain import locations as location_rules
from domain.errors import DomainError, InvalidInput
from domain.items import Item
from domain.locations import Location, LocationType

MAX_BATCH = 5000


def _check_size(count: int) -> None:
    if count > MAX_BATCH:
        raise InvalidInput(f"At most {MAX_BATCH} entries per call", ("input",), count=count)


async def upsert_locations(uow: UnitOfWork, *, batch: Sequence[Location]) -> BatchResult[Location]:
    _check_size(len(batch))
    result: BatchResult[Location] = BatchResult()
    seen: set[str] = set()
    for index, location in enumerate(batch):
        try:
            location_rules.validate(location)
            if location.id in seen:
                raise InvalidInput(f"Location {location.id!r} appears twice in this call", ("id",))
        except DomainError as error:
            result.errors.append(error.at("input", str(index)))
            continue
        seen.add(location.id)
        result.saved.append(location)
    async with uow:
        await catalog.save_locations(uow.conn, result.saved, uow.now)
    return result


async def upsert_items(uow: UnitOfWork, *, batch: Sequence[Item]) -> BatchResult[Item]:
    _check_size(len(batch))
    result: BatchResult[Item] = BatchResult()
    candidates: list[tuple[int, Item]] = []
    seen: set[str] = set()
    for index, item in enumerate(batch):
        try:
            item_rules.validate(item)
            if item.sku in seen:
                raise InvalidInput(f"SKU {item.sku!r} appears twice in this call", ("sku",))
        except DomainError as error:
            result.errors.append(error.at("input", str(index)))
            continue
        seen.add(item.sku)
        candidates.append((index, item))
    async with uow:
        owners = await catalog.barcode_owners(uow.conn, (c for _, i in candidates for c in i.barcodes))
        clashes = item_rules.barcode_clashes([i for _, i in candidates], owners)
        for position, (index, item) in enumerate(candidates):
            if position in clashes:
                code = clashes[position]
                result.errors.append(
                    InvalidInput(
                        f"Barcode {code!r} already belongs to another SKU",
                        ("input", str(index), "barcodes"),
                        barcode=code,
                    )
                )
            else:
                result.saved.append(item)
        await catalog.save_items(uow.conn, result.saved, uow.now)
    return result


async def list_locations(db: Database, *, market: str | None, type_: LocationType | None) -> list[Location]:
    async with db.read() as conn:
        found = await catalog.all_locations(conn)
    return [x for x in found if (market is None or market in x.markets) and (type_ is None or x.type is type_)]
