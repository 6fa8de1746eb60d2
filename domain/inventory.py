"""Inventory positions and the rules for applying feeds to them.

A position is the stock of one SKU at one location: on-hand (what the source
system counted), reserved (promised to orders, owned by the OMS alone), inbound
(expected, with an ETA). Feeds from POS, WMS and ERP arrive late, twice or out
of order, so:

- A SNAPSHOT sets on-hand to the counted quantity as of `asOf`; one older than
  the last snapshot applied to the position is stale and ignored.
- A DELTA adds its quantity; it carries an `eventId`, and a replay of the same
  (source, eventId) is a no-op. A delta observed before the last applied
  snapshot is already inside that count, so it is stale too.
- Neither ever touches `reserved`: reserved units stay reserved.
- `inbound`, when given, replaces the expected inbound quantity and ETA.

The staleness comparison runs inside one guarded SQL statement (the store),
so two feeds racing on a position cannot both win; `is_stale` states the rule
and is what that statement implements.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.errors import InvalidInput

MAX_UPDATES_PER_CALL = 5000
FUTURE_TOLERANCE = timedelta(minutes=5)  # clock drift between a store's POS and us
MAX_UNITS = 10_000_000  # per position and per update: a feed error, not stock; keeps every figure an Int


class SyncMode(enum.Enum):
    SNAPSHOT = "SNAPSHOT"
    DELTA = "DELTA"


@dataclass(frozen=True, slots=True)
class Position:
    sku: str
    location_id: str
    on_hand: int = 0
    reserved: int = 0
    inbound: int = 0
    inbound_eta: datetime | None = None


@dataclass(frozen=True, slots=True)
class InventoryUpdate:
    sku: str
    location_id: str
    quantity: int
    as_of: datetime
    inbound: int | None = None
    inbound_eta: datetime | None = None
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    """What one sync call did: the counts the contract's payload reports."""

    applied: int
    ignored_stale: int
    duplicates: int
    changed_skus: frozenset[str]


def check_batch_size(count: int) -> None:
    if count > MAX_UPDATES_PER_CALL:
        raise InvalidInput(
            f"At most {MAX_UPDATES_PER_CALL} updates per call; split the feed or use `oms import-inventory`",
            ("updates",),
            count=count,
        )


def check_source(source: str) -> None:
    if not source.strip():
        raise InvalidInput("source names the sending system and must not be empty", ("source",))


def validate_update(
    update: InventoryUpdate, mode: SyncMode, known_locations: set[str], now: datetime | None = None
) -> None:
    """Raise InvalidInput for an update that cannot apply; the others still do. With `now`, an `asOf`
    further ahead than a clock can drift is refused: it would make every true count after it stale."""
    if not update.sku.strip():
        raise InvalidInput("sku must not be empty", ("sku",))
    if update.location_id not in known_locations:
        raise InvalidInput(f"Unknown location {update.location_id!r}", ("locationId",), location=update.location_id)
    if update.as_of.tzinfo is None:
        raise InvalidInput("asOf needs a UTC offset", ("asOf",))
    if now is not None and update.as_of > now + FUTURE_TOLERANCE:
        raise InvalidInput("asOf is in the future; check the sender's clock", ("asOf",), as_of=update.as_of.isoformat())
    if abs(update.quantity) > MAX_UNITS:
        raise InvalidInput(f"quantity is at most {MAX_UNITS:,} units", ("quantity",), quantity=update.quantity)
    if mode is SyncMode.SNAPSHOT and update.quantity < 0:
        raise InvalidInput("A snapshot counts on-hand and cannot be negative", ("quantity",), quantity=update.quantity)
    if mode is SyncMode.DELTA and not (update.event_id and update.event_id.strip()):
        raise InvalidInput("A DELTA needs an eventId so replays are recognised", ("eventId",))
    if update.inbound is not None and not 0 <= update.inbound <= MAX_UNITS:
        raise InvalidInput(f"inbound is 0 to {MAX_UNITS:,} units", ("inbound",), inbound=update.inbound)


def is_stale(as_of: datetime, last_snapshot_as_of: datetime | None) -> bool:
    """An update observed before the last applied snapshot adds nothing new."""
    return last_snapshot_as_of is not None and as_of < last_snapshot_as_of
