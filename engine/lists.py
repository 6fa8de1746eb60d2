"""List completion: items completed in a tight loop, awaitables gathered where graphql-core gathers them."""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable
from contextlib import suppress
from typing import Any

from graphql import located_error
from graphql.pyutils import Path, gather_with_cancel

from engine.awaitables import PLAIN
from engine.plans import FieldPlan


class ListCompletion:
    """Part of `engine.run.Run`: completing list values, sync and async iterables alike."""

    # Provided by engine.run.Run, which this mixin is part of:
    is_awaitable: Callable[[Any], bool]
    plain: frozenset[type] | set[type]
    awaitable: Callable[[Any], bool]
    handle_field_error: Callable[[Exception, Any, FieldPlan, Path], None]
    settle_in_background: Callable[[list[Any]], None]

    def complete_items(
        self, field: FieldPlan, item_type: Any, inner: Any, info: Any, path: Path, items: Any, leaf: bool
    ) -> Any:
        """`leaf`: the items are scalars or enums (no path needed unless one fails); lists of lists have paths."""
        is_awaitable = self.is_awaitable
        completed: list[Any] = []
        append = completed.append
        pending: list[int] | None = None
        iterator = iter(items)
        index = 0
        plain = self.plain
        try:
            for item in iterator:
                if item.__class__ not in plain and self.awaitable(item):
                    append(self._complete_awaitable_item(field, item_type, inner, info, Path(path, index, None), item))
                    pending = [] if pending is None else pending
                    pending.append(index)
                else:
                    item_path = None if leaf else Path(path, index, None)
                    try:
                        value = inner(self, field, info, item_path, item)
                        if value.__class__ not in PLAIN and is_awaitable(value):
                            value = self._await_item(field, item_type, value, item_path or Path(path, index, None))
                            pending = [] if pending is None else pending
                            pending.append(index)
                    except Exception as raw:  # noqa: BLE001
                        self.handle_field_error(raw, item_type, field, item_path or Path(path, index, None))
                        value = None
                    append(value)
                index += 1
        except Exception:
            awaitables = [completed[i] for i in pending or ()]
            with suppress(Exception):
                awaitables.extend(item for item in iterator if is_awaitable(item))
            if awaitables:
                self.settle_in_background(awaitables)
            raise
        if pending is None:
            return completed
        return self._await_items(completed, pending)

    async def _await_items(self, completed: list[Any], pending: list[int]) -> list[Any]:
        if len(pending) == 1:
            completed[pending[0]] = await completed[pending[0]]
        else:
            awaited = await gather_with_cancel(*(completed[i] for i in pending))
            for index, value in zip(pending, awaited, strict=True):
                completed[index] = value
        return completed

    async def _await_item(self, field: FieldPlan, item_type: Any, value: Any, path: Path) -> Any:
        try:
            return await value
        except Exception as raw:  # noqa: BLE001
            self.handle_field_error(raw, item_type, field, path)
            return None

    async def _complete_awaitable_item(
        self, field: FieldPlan, item_type: Any, inner: Any, info: Any, path: Path, item: Any
    ) -> Any:
        try:
            resolved = await item
            completed = inner(self, field, info, path, resolved)
            if self.is_awaitable(completed):
                completed = await completed
        except Exception as raw:  # noqa: BLE001
            self.handle_field_error(raw, item_type, field, path)
            return None
        return completed

    async def complete_async_iterator(
        self, field: FieldPlan, item_type: Any, inner: Any, info: Any, path: Path, items: AsyncIterable[Any]
    ) -> list[Any]:
        iterator = items.__aiter__()
        completed: list[Any] = []
        pending: list[int] = []
        early_return = getattr(iterator, "aclose", None)
        index = 0
        try:
            while True:
                item_path = Path(path, index, None)
                try:
                    item = await anext(iterator)
                except StopAsyncIteration:
                    break
                except Exception as raw:
                    raise located_error(raw, field.nodes, path.as_list()) from raw
                if self.is_awaitable(item):
                    completed.append(self._complete_awaitable_item(field, item_type, inner, info, item_path, item))
                    pending.append(index)
                else:
                    try:
                        value = inner(self, field, info, item_path, item)
                        if self.is_awaitable(value):
                            value = self._await_item(field, item_type, value, item_path)
                            pending.append(index)
                    except Exception as raw:  # noqa: BLE001
                        self.handle_field_error(raw, item_type, field, item_path)
                        value = None
                    completed.append(value)
                index += 1
        except Exception:
            if pending:
                self.settle_in_background([completed[i] for i in pending])
            if early_return is not None:
                with suppress(Exception):
                    await early_return()
            raise
        return await self._await_items(completed, pending) if pending else completed
