"""Local time at a location: its IANA time zone, its local days and clock times.

Daily capacity and pickup slots count in the location's own days, so a store
in New York starts its day at midnight in New York, not at midnight UTC.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import InvalidInput

UTC_NAME = "UTC"
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@functools.lru_cache(maxsize=512)
def zone(name: str | None) -> ZoneInfo:
    """The zone for an IANA name (None: UTC); raises InvalidInput for a name the tz database lacks."""
    try:
        return ZoneInfo(name or UTC_NAME)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidInput(f"Unknown time zone {name!r} (an IANA name such as 'America/New_York')", ()) from error


def check_timezone(name: str | None, field: tuple[str, ...]) -> None:
    if name is None:
        return
    if not name.strip() or len(name) > 64:
        raise InvalidInput("timezone must be an IANA name such as 'America/New_York'", field)
    try:
        zone(name)
    except InvalidInput as error:
        raise InvalidInput(error.message, field, timezone=name) from None


def local_day(at: datetime, timezone: str | None) -> str:
    """The ISO date of `at` (aware) in the zone: the day daily capacity counts in."""
    return at.astimezone(zone(timezone)).date().isoformat()


def parse_clock(text: str, field: tuple[str, ...]) -> time:
    """A local wall-clock time "HH:MM" (00:00 to 23:59)."""
    found = _CLOCK.match(text.strip())
    if found is None:
        raise InvalidInput(f"{text!r} is not a time of day HH:MM (00:00 to 23:59)", field)
    return time(int(found.group(1)), int(found.group(2)))


def at_local(day: date, clock: time, timezone: str | None) -> datetime:
    """The moment a local day's wall-clock time happens (a gap or overlap resolves as zoneinfo does: fold 0)."""
    return datetime.combine(day, clock, tzinfo=zone(timezone))
