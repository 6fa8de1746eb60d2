"""Operations reporting: what each store did with the orders placed in each hour.

The unit is a *store order*: one order's part at one location (every
fulfillment of the order at that location). An order split over two stores is
two store orders, one per store, so each store is judged on its own part; a
network total counts a split order once per store that ships part of it.
Orders not yet at any store (waiting for stock, on hold before sourcing) join
the report once they are allocated, under the hour they were placed.

Every measure belongs to the hour the order was *placed* (UTC), whatever
happened to it later: a later short pick or cancellation changes that hour's
numbers. Per store order:
- `units`: the units the store was given (its fulfillment lines, now);
- `filled`: every fulfillment there handed over (shipped, ready for collection
  or collected) with no unit short;
- `split`: the order has more than one live (not cancelled) fulfillment;
- `short`: a pick line there was picked short;
- `cancelled`: the order is cancelled;
- `sla_met`: every live fulfillment there was handed over within the store's
  turnaround of its release (its creation);
- `pick_minutes`: from the pick list being made to PICK confirmed (the slowest
  fulfillment there);
- `ready_minutes`: from release to hand-over (the slowest fulfillment there).
Minutes are whole minutes (floored); medians come from per-hour minute
histograms, so they are exact at one-minute resolution and merge across
hours, stores and channels without approximation.
"""

from __future__ import annotations

import enum
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from domain.errors import InvalidInput
from domain.store_performance import on_time

HOUR = timedelta(hours=1)
MAX_HOUR_RANGE = timedelta(days=366)  # a year of hourly buckets, leap years included
MAX_RANGE = timedelta(days=366 * 5)  # DAY and WEEK buckets
MAX_LOCATIONS = 500  # store ids one report may name
# A transfer leg shipped to its pickup store (IN_TRANSIT, then RECEIVED) was handed over by its source.
HANDED_OVER = frozenset({"SHIPPED", "READY_FOR_COLLECTION", "COLLECTED", "IN_TRANSIT", "RECEIVED"})
COUNTS = ("orders", "units", "filled", "split", "short", "cancelled", "sla_met")
PICK, READY = "PICK", "READY"  # the two minute histograms


class Granularity(enum.Enum):
    HOUR = "HOUR"
    DAY = "DAY"
    WEEK = "WEEK"


def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def bucket_start(at: datetime, granularity: Granularity) -> datetime:
    """The UTC bucket `at` falls in; weeks start on Monday 00:00 UTC (ISO weeks)."""
    hour = hour_of(at)
    if granularity is Granularity.HOUR:
        return hour
    day = hour.replace(hour=0)
    return day if granularity is Granularity.DAY else day - timedelta(days=day.weekday())


def check_range(start: datetime, end: datetime, granularity: Granularity) -> None:
    """A bad range is refused whole: `to` before `from`, or more buckets than a report may hold."""
    if end < start:
        raise InvalidInput("`to` is before `from`", ("to",))
    limit = MAX_HOUR_RANGE if granularity is Granularity.HOUR else MAX_RANGE
    if end - start > limit:
        raise InvalidInput(
            f"The range is over {limit.days} days, the most a report of {granularity.value} buckets covers", ("to",)
        )


def check_locations(location_ids: Collection[str] | None) -> None:
    """A report names at most MAX_LOCATIONS stores (None: every store the caller may see)."""
    if location_ids is not None and len(location_ids) > MAX_LOCATIONS:
        raise InvalidInput(f"At most {MAX_LOCATIONS} locationIds per report", ("locationIds",))


def visible_locations(own: frozenset[str] | None, requested: Iterable[str] | None) -> frozenset[str] | None:
    """The requested stores within the caller's own (None: a caller of every store), or all of the caller's
    when none are requested; None means no filter. Foreign stores were refused by the permission rule."""
    if requested is None:
        return own
    wanted = frozenset(requested)
    return wanted if own is None else wanted & own


def bucket_starts(start: datetime, end: datetime, granularity: Granularity) -> list[datetime]:
    """Every bucket from the one holding `start` to the last beginning before `end`; empty ones included,
    so a chart's time axis has no gaps."""
    step = {Granularity.HOUR: HOUR, Granularity.DAY: timedelta(days=1), Granularity.WEEK: timedelta(weeks=1)}
    out, at = [], bucket_start(start, granularity)
    while at < end:
        out.append(at)
        at += step[granularity]
    return out


# --- facts ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FulfillmentFacts:
    """What one fulfillment says about its store's work, read from its rows."""

    order_id: str
    location_id: str
    status: str
    created_at: datetime
    units: int
    short_units: int = 0
    list_made_at: datetime | None = None  # its first pick list
    picked_at: datetime | None = None  # PICK done
    handed_over_at: datetime | None = None  # HANDOVER done
    leg: bool = False  # a ship-to-store transfer's leg: the source's work, not a parcel of the customer's


@dataclass(frozen=True, slots=True)
class OrderFacts:
    id: str
    channel: str
    placed_at: datetime
    cancelled: bool


@dataclass
class Tally:
    """The sums of one rollup key (a location, hour and channel, or any merge of them)."""

    counts: Counter[str] = field(default_factory=Counter)
    minutes: dict[str, Counter[int]] = field(default_factory=lambda: {PICK: Counter(), READY: Counter()})

    def add(self, other: Tally) -> None:
        self.counts.update(other.counts)
        for measure, histogram in other.minutes.items():
            self.minutes[measure].update(histogram)


RollupKey = tuple[str, datetime, str]  # location, hour, channel


def _minutes(start: datetime | None, end: datetime | None) -> int | None:
    return None if start is None or end is None else max(0, int((end - start).total_seconds() // 60))


def _store_order(parts: list[FulfillmentFacts], live_orderwide: int, turnaround: float | None) -> Tally:
    live = [f for f in parts if f.status != "CANCELLED"]
    short = any(f.short_units > 0 for f in parts)
    tally = Tally()
    tally.counts.update(
        orders=1,
        units=sum(f.units for f in parts),
        filled=int(bool(live) and not short and all(f.status in HANDED_OVER for f in live)),
        split=int(live_orderwide > 1),
        short=int(short),
        sla_met=int(
            bool(live)
            and all(f.handed_over_at is not None and on_time(f.created_at, f.handed_over_at, turnaround) for f in live)
        ),
    )
    picks = [m for f in parts if (m := _minutes(f.list_made_at, f.picked_at)) is not None]
    readies = [m for f in live if (m := _minutes(f.created_at, f.handed_over_at)) is not None]
    if picks:
        tally.minutes[PICK][max(picks)] += 1
    if readies and len(readies) == len(live):
        tally.minutes[READY][max(readies)] += 1
    return tally


def roll_up(
    orders: Iterable[OrderFacts], fulfillments: Iterable[FulfillmentFacts], turnaround: Mapping[str, float | None]
) -> dict[RollupKey, Tally]:
    """The tallies of every (location, placed hour, channel) these orders touch."""
    by_order: dict[str, list[FulfillmentFacts]] = defaultdict(list)
    for f in fulfillments:
        by_order[f.order_id].append(f)
    out: dict[RollupKey, Tally] = defaultdict(Tally)
    for order in orders:
        parts = by_order.get(order.id, [])
        live = sum(1 for f in parts if f.status != "CANCELLED" and not f.leg)  # the customer's parcels: a split
        at_location: dict[str, list[FulfillmentFacts]] = defaultdict(list)
        for f in parts:
            at_location[f.location_id].append(f)
        for location_id, mine in at_location.items():
            tally = _store_order(mine, live, turnaround.get(location_id))
            tally.counts["cancelled"] = int(order.cancelled)
            out[(location_id, hour_of(order.placed_at), order.channel)].add(tally)
    return dict(out)


# --- reading --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bucket:
    start: datetime
    orders: int
    units: int
    fill_rate: float
    split_rate: float
    short_pick_rate: float
    cancelled_rate: float
    sla_met_rate: float
    median_pick_minutes: float | None
    median_release_to_ready_minutes: float | None


def median(histogram: Mapping[int, int]) -> float | None:
    """The exact median of whole-minute values given as counts (the mean of the two middle ones when even)."""
    total = sum(histogram.values())
    if total == 0:
        return None
    low_rank, high_rank = (total + 1) // 2, total // 2 + 1
    seen, low = 0, None
    for value in sorted(histogram):
        seen += histogram[value]
        if low is None and seen >= low_rank:
            low = value
        if seen >= high_rank:
            return (float(low if low is not None else value) + value) / 2
    return float(low) if low is not None else None


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


Medians = Mapping[str, float | None]  # PICK, READY -> the median minutes


def middle(low: int | None, high: int | None) -> float | None:
    """The median from the two middle values of a histogram (the same one when the count is odd)."""
    return None if low is None or high is None else (low + high) / 2


Counts = Mapping[str, int]  # COUNTS -> sums; a missing one is 0


def bucket(start: datetime, counts: Counts, medians: Medians) -> Bucket:
    """A bucket's measures: rates are shares of the store orders placed in it (0.0 when there were none)."""
    n = counts.get("orders", 0)
    return Bucket(
        start=start,
        orders=n,
        units=counts.get("units", 0),
        fill_rate=_rate(counts.get("filled", 0), n),
        split_rate=_rate(counts.get("split", 0), n),
        short_pick_rate=_rate(counts.get("short", 0), n),
        cancelled_rate=_rate(counts.get("cancelled", 0), n),
        sla_met_rate=_rate(counts.get("sla_met", 0), n),
        median_pick_minutes=medians.get(PICK),
        median_release_to_ready_minutes=medians.get(READY),
    )


def tally_bucket(start: datetime, tally: Tally) -> Bucket:
    """A bucket from a tally, its medians from its own histograms."""
    return bucket(start, tally.counts, {k: median(v) for k, v in tally.minutes.items()})


@dataclass(frozen=True, slots=True)
class Report:
    buckets: list[Bucket]
    totals: Bucket


def report(
    starts: list[datetime],
    counts: Mapping[datetime, Counts],
    medians: Mapping[datetime, Medians],
    total_medians: Medians,
    *,
    start: datetime,
    granularity: Granularity,
) -> Report:
    """Buckets in order (empty ones too) and the totals over all of them; keyed by bucket start."""
    total: Counter[str] = Counter()
    for found in counts.values():
        total.update(found)
    empty: Counts = {}
    none: Medians = {PICK: None, READY: None}  # shared by the empty buckets (a year of hours has many)
    buckets = [bucket(at, counts.get(at, empty), medians.get(at, none)) for at in starts]
    return Report(buckets, bucket(bucket_start(start, granularity), total, total_medians))
