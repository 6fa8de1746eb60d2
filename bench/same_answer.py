"""The floors must be honest: a floor's answer is checked equal to ours, key order included, before measuring.

Only two values of the cart move with the clock between two requests (a
pickup's `readyBy`, and `etaHours` counted from now when stock is inbound), so
those are compared within a tolerance; everything else must be identical.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

CLOCK_SECONDS = 300.0  # readyBy: two requests a moment apart
CLOCK_HOURS = 0.1  # etaHours: rounded to 0.01 h and counted from now


def assert_same(expected: Any, got: Any, what: str, path: str = "") -> None:
    """Raise AssertionError naming the first difference (a path like `data.fulfillmentOptions[2].readyBy`)."""
    where = f"{what}: at {path or 'the top'}"
    if isinstance(expected, dict):
        assert isinstance(got, dict), f"{where}: {got!r} is not an object"
        assert list(expected) == list(got), f"{where}: keys {list(got)} instead of {list(expected)}"
        for key, value in expected.items():
            if key == "readyBy" and value is not None and got[key] is not None:
                apart = abs((datetime.fromisoformat(value) - datetime.fromisoformat(got[key])).total_seconds())
                assert apart <= CLOCK_SECONDS, f"{where}.{key}: {got[key]} instead of {value}"
            elif key == "etaHours" and isinstance(value, float) and isinstance(got[key], float):
                assert abs(value - got[key]) <= CLOCK_HOURS, f"{where}.{key}: {got[key]} instead of {value}"
            else:
                assert_same(value, got[key], what, f"{path}.{key}" if path else key)
        return
    if isinstance(expected, list):
        assert isinstance(got, list), f"{where}: {got!r} is not a list"
        assert len(expected) == len(got), f"{where}: {len(got)} items instead of {len(expected)}"
        for n, (a, b) in enumerate(zip(expected, got, strict=True)):
            assert_same(a, b, what, f"{path}[{n}]")
        return
    assert type(expected) is type(got) and expected == got, f"{where}: {got!r} instead of {expected!r}"
