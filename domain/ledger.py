"""The inventory ledger: every change to a position, with why it happened, so the past can be replayed.

Positions are the fast current view; the ledger is their history. Each write
to a position names its cause (a feed, an order's reservation, a hold, a pick,
a return, ...) and the reference it came from (the order, hold or feed event);
the database appends the resulting figures with the time the OMS applied them.
From that history, stock at any past moment is the last entry at or before it.

Checkout holds count inside `reserved`, but a hold past its time counts nowhere
even before the sweeper ends it. So the holds' own history (when each began,
ended and expires) is kept too: the units of holds that were active and past
their time at a moment are subtracted from `reserved` then, as every live read
does now.

Old entries are folded into one per position and day (its last figures), once
they are older than the retention: the distant past is answered per day.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.inventory import InventoryUpdate, Position, SyncMode


class Cause(enum.StrEnum):
    """Why a position changed. A writer that names none leaves `UNKNOWN`, which a test refuses."""

    SYNC_SNAPSHOT = "sync_snapshot"  # syncInventory / import: a counted quantity
    SYNC_DELTA = "sync_delta"  # syncInventory / import: a change reported by a feed
    SEED = "seed"  # the demo or scale seed
    ORDER = "order"  # placeOrder (and a pre-order or backorder released to stock)
    HOLD = "hold"  # a checkout hold reserved units
    HOLD_RELEASE = "hold_release"  # a hold released or expired: its units are free again
    CANCEL = "cancel"  # an order or its lines cancelled: units released
    SHIP = "ship"  # units left the books: shipped or collected
    SHORT_PICK = "short_pick"  # a picker found fewer units than the books said
    PUT_BACK = "put_back"  # a pick exception's units go back to free stock
    RETURN = "return"  # returned units restocked
    EDIT = "edit"  # editOrder moved reservations
    BACKORDER = "backorder"  # inbound promised to, or stock held for, a waiting backorder (and given back)
    PREORDER = "preorder"  # a waiting pre-order or backorder allocated from stock
    REROUTE = "reroute"  # a closing store's or a short pick's work moved elsewhere
    CORRECTION = "correction"  # a manual count correction
    TRANSFER = "transfer"  # units moved between locations (ship-to-store), out of one position and into another
    DAILY = "daily"  # compaction: the last figures of a day, the day's other entries folded
    UNKNOWN = "unknown"


KNOWN = frozenset(Cause) - {Cause.UNKNOWN}


@dataclass(frozen=True, slots=True)
class Why:
    """What a writer says about the change it makes: stored on the position row and copied to the ledger."""

    cause: Cause
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """A position's figures right after one change."""

    at: datetime
    sku: str
    location_id: str
    cause: str
    ref: str | None
    on_hand: int
    reserved: int
    inbound: int
    inbound_eta: datetime | None


@dataclass(frozen=True, slots=True)
class HoldSpan:
    """A hold's units at one position, from when it began until it ended (None: still active)."""

    sku: str
    location_id: str
    quantity: int
    started_at: datetime
    ended_at: datetime | None
    expires_at: datetime

    def lapsed_at(self, moment: datetime) -> bool:
        """Counted in `reserved` at `moment`, yet past its time: every read then subtracted it."""
        active = self.started_at <= moment and (self.ended_at is None or self.ended_at > moment)
        return active and self.expires_at <= moment


def positions_at(entries: Iterable[Entry], holds: Iterable[HoldSpan], moment: datetime) -> list[Position]:
    """The positions as a read at `moment` saw them: each one's last entry, minus lapsed holds' units.

    `entries` are in the order they were written (ties in time keep that order)."""
    last: dict[tuple[str, str], Entry] = {}
    for entry in entries:
        if entry.at <= moment:
            last[(entry.location_id, entry.sku)] = entry
    lapsed: dict[tuple[str, str], int] = {}
    for span in holds:
        if span.lapsed_at(moment):
            key = (span.location_id, span.sku)
            lapsed[key] = lapsed.get(key, 0) + span.quantity
    return [
        Position(e.sku, e.location_id, e.on_hand, e.reserved - lapsed.get(key, 0), e.inbound, e.inbound_eta)
        for key, e in sorted(last.items())
    ]


def compaction_cutoff(now: datetime, retention_days: int) -> datetime:
    """Entries before the start of this UTC day are folded: whole days only, never today."""
    start = (now - timedelta(days=retention_days)).replace(hour=0, minute=0, second=0, microsecond=0)
    return start


def feed_why(mode: SyncMode, update: InventoryUpdate, source: str) -> Why:
    """A feed's change: a counted snapshot or a delta, referenced by its event id (or its source)."""
    cause = Cause.SYNC_SNAPSHOT if mode is SyncMode.SNAPSHOT else Cause.SYNC_DELTA
    return Why(cause, update.event_id or source)
