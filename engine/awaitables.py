"""Which values are awaitable: asked of the caller's predicate, with classes that never are learned."""

from __future__ import annotations

from collections.abc import Callable
from types import CoroutineType, GeneratorType
from typing import Any

from graphql.pyutils import is_awaitable as default_is_awaitable

AwaitableCheck = Callable[[Any], bool]
PLAIN: frozenset[type] = frozenset((str, int, float, bool, type(None), dict, list, tuple))
"""Values of these types are never awaitable: the awaitable check is skipped for them."""

_LEARNED: dict[Any, set[type]] = {}


def learned_plain(is_awaitable: AwaitableCheck) -> frozenset[type] | set[type]:
    """Classes known never to be awaitable under this predicate. Only for graphql-core's and Strawberry's
    predicates, whose answer for an ordinary class depends on the class alone (no `__await__`, no
    `__getattr__`); any other predicate is asked about every value."""
    known = is_awaitable is default_is_awaitable or (
        getattr(is_awaitable, "__name__", "") == "optimized_is_awaitable"
        and getattr(is_awaitable, "__module__", "").startswith("strawberry.")
    )
    if not known:
        return PLAIN
    learned = _LEARNED.get(is_awaitable)
    if learned is None:
        learned = _LEARNED[is_awaitable] = set(PLAIN)
    return learned


def type_decides(cls: type, value: Any) -> bool:
    if isinstance(value, (CoroutineType, GeneratorType)) or hasattr(cls, "__await__"):
        return False
    attribute_lookup: Any = cls.__getattribute__
    if hasattr(cls, "__getattr__") or attribute_lookup is not object.__getattribute__:
        return False
    return "__await__" not in getattr(value, "__dict__", ())
