"""Scalars stricter than Strawberry's defaults where our rules need it."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.exceptions import StrawberryInputCoercionError


def _aware(value: object) -> datetime:
    """ISO 8601 with an offset: every time we store and compare is UTC-aware, so a naive one is refused
    here rather than failing a comparison deep inside a command."""
    if not isinstance(value, str):
        raise StrawberryInputCoercionError(f'Value cannot represent a DateTime: "{value}". Expected a string.')
    try:
        parsed = datetime.fromisoformat(value)  # Python 3.11: ISO 8601 with Z, offsets, fractions
    except ValueError as error:
        raise StrawberryInputCoercionError(f'Value cannot represent a DateTime: "{value}". {error}') from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise StrawberryInputCoercionError(
            f'DateTime "{value}" needs a UTC offset, e.g. 2026-11-27T09:00:00+00:00 or ...Z'
        )
    return parsed


AwareDateTime = strawberry.scalar(
    name="DateTime",
    description="Date with time (isoformat), with a UTC offset",
    serialize=datetime.isoformat,
    parse_value=_aware,
)
