"""Work left running when an error cuts a selection short: settled in the background, never orphaned."""

from __future__ import annotations

from asyncio import gather, get_running_loop
from collections.abc import Awaitable, Callable
from inspect import iscoroutine
from typing import Any

from graphql.pyutils import gather_with_cancel


class BackgroundWork:
    """Part of `engine.run.Run`; also what the info's `async_helpers` (gather, track) do."""

    is_awaitable: Callable[[Any], bool]
    background: set[Any]

    def settle_in_background(self, awaitables: list[Any]) -> None:
        try:
            get_running_loop()
        except RuntimeError:
            for awaitable in awaitables:
                if iscoroutine(awaitable):
                    awaitable.close()
            return
        future = gather(*awaitables, return_exceptions=True)
        self.background.add(future)
        future.add_done_callback(self.background.discard)

    def _track_work(self, values: Any) -> None:
        awaitables = [value for value in values if self.is_awaitable(value)]
        if awaitables:
            self.settle_in_background(awaitables)

    def _gather_work(self, values: Any) -> Awaitable[list[Any]]:
        return gather_with_cancel(*values)
