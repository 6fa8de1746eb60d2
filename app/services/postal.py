"""Use cases: coordinates for a postal code, destinations resolved from one, importing codes.

Lookups read the postal-code table first (imported codes override), then, for
the US, the ZIP codes shipped offline by the `zipcodes` package. That package
loads its data on first use (~0.25 s, in a thread so the event loop never waits)
and scans on each call, so its answers are kept in a small bounded cache.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncConnection

from app import postal_feed
from app.resources import Resources
from app.services.uow import UnitOfWork
from app.store import postal_codes as store
from app.store.db import Database
from domain import postal
from domain.errors import DomainError
from domain.locations import Geo
from domain.orders import Delivery
from domain.postal import Key, PostalCode

_CACHE_SIZE = 4096
_cache: OrderedDict[str, Geo | None] = OrderedDict()  # US ZIP -> centre (None: not a ZIP we know)
_cache_lock = threading.Lock()


def _zip_centre(code: str) -> Geo | None:
    """The `zipcodes` package's centre of a five-digit US ZIP (sync; the first call loads its data)."""
    import zipcodes  # imported here: the CLI and the tests that never look up a ZIP do not pay for it

    found = [z for z in zipcodes.matching(code) if z.get("lat") and z.get("long")]  # type: ignore[no-untyped-call]
    return Geo(float(found[0]["lat"]), float(found[0]["long"])) if found else None


async def shipped_geo(country: str, code: str) -> Geo | None:
    """Coordinates shipped with the service (US ZIPs) for a normalised code, or None."""
    if country != "US" or not (len(code) == 5 and code.isdigit()):
        return None
    with _cache_lock:
        if code in _cache:
            _cache.move_to_end(code)
            return _cache[code]
    found = await asyncio.to_thread(_zip_centre, code)
    with _cache_lock:
        _cache[code] = found
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return found


async def geo_for(conn: AsyncConnection, country: str, postal_code: str) -> Geo | None:
    """Coordinates of a postal code: the table first, then the shipped US ZIPs; None when unknown."""
    normal = postal.normalise_country(country)
    code = postal.normalise_code(normal, postal_code)
    found = await store.lookup(conn, normal, code)
    return found if found is not None else await shipped_geo(normal, code)


async def geos_for(db: Database, keys: Sequence[Key]) -> list[Geo | None]:
    """Many normalised codes in one statement (a request's dataloader batch); None for each unknown one."""
    async with db.read() as conn:
        stored = await store.lookup_many(conn, keys)
    return [stored[key] if key in stored else await shipped_geo(*key) for key in keys]


async def resolve_destination(
    conn: AsyncConnection,
    geo: Geo | None,
    postal_code: str | None,
    country: str | None,
    field: tuple[str, ...],
) -> Geo | None:
    """Coordinates for a destination: its geo when given, else its postal code's; None when it has neither.

    Raises InvalidInput on (*field, "country") for a code without a country and on (*field, "postalCode")
    for a code nobody knows.
    """
    if geo is not None:
        return geo
    key = postal.lookup_key(postal_code, country, field)
    if key is None:
        return None
    found = await geo_for(conn, *key)
    if found is None:
        raise postal.unknown(postal_code or "", key[0], field)
    return found


async def resolve_delivery(
    conn: AsyncConnection, delivery: Delivery, field: tuple[str, ...] = ("delivery", "destination")
) -> Delivery:
    """The delivery with `geo` filled from its postal code when it had none (unchanged otherwise)."""
    if delivery.geo is not None or not delivery.postal_code:
        return delivery
    found = await resolve_destination(conn, None, delivery.postal_code, delivery.country, field)
    return replace(delivery, geo=found, geo_from_postal_code=True)


async def resolved(db: Database, delivery: Delivery) -> Delivery:
    """`resolve_delivery` on a short read of its own, taken only when there is a code to look up."""
    if delivery.geo is not None or not delivery.postal_code:
        return delivery
    async with db.read() as conn:
        return await resolve_delivery(conn, delivery)


async def import_postal_codes(resources: Resources, rows: Sequence[PostalCode]) -> tuple[int, list[DomainError]]:
    """Save postal codes (count, []), or, when any row is bad, nothing at all (0, every row's error)."""
    return await import_in(resources.uow(), rows)


async def import_file(new_uow: Callable[[], UnitOfWork], path: Path) -> tuple[int, list[str]]:
    """`oms import-postal-codes`: a CSV of any length, every line checked first, then saved
    `MAX_ROWS` per transaction; (saved, []) or, when any line is bad, (0, its problems by line)."""
    rows, problems = postal_feed.read_csv(path)
    if problems:
        return 0, problems
    saved = 0
    for start in range(0, len(rows), postal.MAX_ROWS):
        count, errors = await import_in(new_uow(), rows[start : start + postal.MAX_ROWS])
        assert not errors, errors  # the file's rows were validated above
        saved += count
    return saved, []


async def import_in(uow: UnitOfWork, rows: Sequence[PostalCode]) -> tuple[int, list[DomainError]]:
    """`import_postal_codes` for a caller holding a unit of work (the CLI): all rows or none, one transaction."""
    good, errors = postal.validate_all(list(rows))
    if errors:
        return 0, errors
    async with uow:
        await store.save(uow.conn, good, uow.now)
    return len(good), []
