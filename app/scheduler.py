"""Background jobs in every replica: task escalations and automatic outcomes, lapsed checkout holds,
event retention, the relay.

Escalations, automatic outcomes and the retention of settled events
(`OMS_EVENT_RETENTION_DAYS`) depend on the clock only, so they run every
`OMS_SCHEDULER_INTERVAL_SECONDS`. The relay runs on that tick too (for
retries that came due) and at once when a command commits outbox events (the
unit of work wakes it), but at most once per `RELAY_WINDOW_SECONDS`: under
load, wakes that arrive while it runs or just after are served by one run
that takes every new event in one batch, instead of a run (and its
statements) per order. Replicas coordinate through guarded claims in the
database, never through a leader of our own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import httpx

from app.resources import Resources
from app.services.holds import sweep as sweep_holds
from app.services.relay import Relay, purge_expired
from app.services.tasks import escalate_due

log = logging.getLogger(__name__)

RELAY_WINDOW_SECONDS = 0.05  # the most a webhook waits for its batch; an idle relay starts at once


class Scheduler:
    def __init__(self, resources: Resources) -> None:
        self.resources = resources
        self.relay = Relay(resources)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        settings = self.resources.settings
        loop = asyncio.get_running_loop()
        interval = settings.scheduler_interval_seconds
        next_tick = loop.time()
        async with httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, follow_redirects=False) as client:
            while True:
                self._wake.clear()
                started = loop.time()
                try:
                    if started >= next_tick:
                        next_tick = started + interval
                        await escalate_due(self.resources)
                        await sweep_holds(self.resources)
                        await purge_expired(self.resources)
                    await self.relay.run_once(client)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("scheduler tick failed; trying again next interval")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=max(0.0, next_tick - loop.time()))
                await asyncio.sleep(max(0.0, started + RELAY_WINDOW_SECONDS - loop.time()))

    def start(self) -> None:
        self.resources.on_recorded = self.wake
        self._task = asyncio.create_task(self._run(), name="scheduler")

    async def stop(self) -> None:
        self.resources.on_recorded = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
