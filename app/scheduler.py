"""Background jobs in every replica: task escalations and automatic outcomes, then the outbox relay.

Runs every `OMS_SCHEDULER_INTERVAL_SECONDS`, and at once when a command
commits outbox events (the unit of work wakes it). Replicas coordinate through
guarded claims in the database, never through a leader of our own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import httpx

from app.resources import Resources
from app.services.relay import Relay
from app.services.tasks import escalate_due

log = logging.getLogger(__name__)


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
        async with httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, follow_redirects=False) as client:
            while True:
                self._wake.clear()
                try:
                    await escalate_due(self.resources)
                    await self.relay.run_once(client)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("scheduler tick failed; trying again next interval")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=settings.scheduler_interval_seconds)

    def start(self) -> None:
        self.resources.on_recorded = self.wake
        self._task = asyncio.create_task(self._run(), name="scheduler")

    async def stop(self) -> None:
        self.resources.on_recorded = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
