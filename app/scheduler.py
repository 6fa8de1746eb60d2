"""Background jobs on the one leading replica: task escalations and automatic outcomes, lapsed checkout
holds, pre-orders due for release and backorders waiting for stock, event retention, the relay, the
operations report's rollups.

Waiting orders (pre-orders past their release, backorders) are allocated on
each tick, and at once when a sync changed stock on any replica (its commit
publishes `stock.synced`, heard here): the allocation itself is guarded per
order (row lock, WAITING -> RELEASED), so the job may run anywhere, any number
of times, and still allocates each order once.

Escalations, automatic outcomes, hold sweeps, the retention of settled
events (`OMS_EVENT_RETENTION_DAYS`) and the inventory ledger's compaction
(`OMS_LEDGER_RETENTION_DAYS`) depend on the clock only, so they run
every `OMS_SCHEDULER_INTERVAL_SECONDS`. The relay runs on that tick too (for
retries that came due) and at once when a command commits outbox events (the
unit of work wakes it), but at most once per `RELAY_WINDOW_SECONDS`: under
load, wakes that arrive while it runs or just after are served by one run
that takes every new event in one batch, instead of a run (and its
statements) per order.

With several replicas only the leader (`app.leader`) runs them; every replica
tries to lead once per interval, so a follower takes over within one interval
of the leader's death. A commit on a follower wakes the leader through pub/sub
(at most once per relay window), so its webhooks leave as promptly as the
leader's own. The jobs stay guarded claims in the database besides.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import httpx

from app import tracing
from app.leader import Leadership
from app.metrics import Metrics
from app.resources import Resources
from app.services.holds import sweep as sweep_holds
from app.services.inventory import STOCK_SYNCED_TOPIC
from app.services.ledger import compact as compact_ledger
from app.services.preorders import release_due as release_preorders
from app.services.relay import Relay, purge_expired
from app.services.reporting import roll_up as roll_up_reports
from app.services.simulation_runner import SimulationRunner
from app.services.tasks import escalate_due

log = logging.getLogger(__name__)

# The clock's jobs, by the name /metrics counts their runs under.
CLOCK_JOBS: tuple[tuple[str, Callable[[Resources], Awaitable[object]]], ...] = (
    ("escalations", escalate_due),
    ("hold_sweep", sweep_holds),
    ("event_retention", purge_expired),
    ("report_rollups", roll_up_reports),  # fenced by their watermark
    ("ledger_compaction", compact_ledger),
)
RELAY_WINDOW_SECONDS = 0.05  # the most a webhook waits for its batch; an idle relay starts at once
WAKE_TOPIC = "scheduler.wake"  # a follower's commit, for the leader's relay


class Scheduler:
    def __init__(self, resources: Resources, metrics: Metrics) -> None:
        self.resources = resources
        self.metrics = metrics
        self.relay = Relay(resources)
        self.simulations = SimulationRunner(resources)  # sourcing simulations, in a task of their own
        self.leadership = Leadership(resources.settings.database_url)
        self._wake = asyncio.Event()
        self._stock_synced = False  # a sync changed stock: release waiting orders on the next wake
        self._simulations_queued = False  # a simulation queued here while another replica leads: tell it
        self._task: asyncio.Task[None] | None = None
        self._listener: asyncio.Task[None] | None = None
        self._stock_listener: asyncio.Task[None] | None = None
        self._forwarding: asyncio.Task[None] | None = None

    @property
    def leading(self) -> bool:
        return self.leadership.leading

    def wake(self, *, simulations: bool = False) -> None:
        """Outbox events were committed (or a simulation queued): act now, here if this replica leads, else at
        the leader, whose message says whether a simulation waits (it would look only at its next tick)."""
        self._simulations_queued |= simulations
        if self.leadership.still_leading():
            self._wake.set()
        elif self._forwarding is None or self._forwarding.done():
            self._forwarding = asyncio.get_running_loop().create_task(self._forward())

    async def _forward(self) -> None:
        await asyncio.sleep(RELAY_WINDOW_SECONDS)  # wakes within a window travel as one message
        queued, self._simulations_queued = self._simulations_queued, False
        with contextlib.suppress(Exception):
            await self.resources.broker.publish(WAKE_TOPIC, {"wake": True, "simulations": queued})

    async def _listen(self) -> None:
        async with self.resources.broker.hub.listen(WAKE_TOPIC) as queue:
            while True:
                message = await queue.get()
                if self.leadership.still_leading():
                    if isinstance(message, dict) and message.get("simulations"):
                        self.simulations.wanted = True
                    self._wake.set()

    async def _listen_stock(self) -> None:
        async with self.resources.broker.hub.listen(STOCK_SYNCED_TOPIC) as queue:
            while True:
                await queue.get()
                self._stock_synced = True
                if self.leadership.still_leading():
                    self._wake.set()

    async def _run(self) -> None:
        settings = self.resources.settings
        loop = asyncio.get_running_loop()
        interval = settings.scheduler_interval_seconds
        next_tick = loop.time()
        async with httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, follow_redirects=False) as client:
            tracing.instrument_client(client)  # webhooks carry the event's traceparent
            while True:
                self._wake.clear()
                started = loop.time()
                try:
                    tick = started >= next_tick
                    if tick:
                        next_tick = started + interval
                    if await self._leads(tick):
                        if tick:
                            for name, job in CLOCK_JOBS:
                                await self._job(job, name)
                        if tick or self.simulations.wanted:
                            self.simulations.kick()
                        if tick or self._stock_synced:
                            self._stock_synced = False
                            await self._job(release_preorders, "waiting_orders_release")
                        await self._job(lambda _: self.relay.run_once(client), "relay", swallow=False)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("scheduler tick failed; trying again next interval")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=max(0.0, next_tick - loop.time()))
                await asyncio.sleep(max(0.0, started + RELAY_WINDOW_SECONDS - loop.time()))

    async def _job(self, job: Callable[[Resources], Awaitable[object]], name: str, *, swallow: bool = True) -> None:
        """One job's failure is logged and tried again next tick; it does not keep the others from running.
        Each run is counted on /metrics (`oms_background_job_runs_total{job,outcome}`)."""
        try:
            await job(self.resources)
        except asyncio.CancelledError:
            raise
        except Exception:
            self.metrics.background_jobs.labels(name, "failed").inc()
            if not swallow:
                raise
            log.exception("background job %s failed; trying again next interval", name)
        else:
            self.metrics.background_jobs.labels(name, "ok").inc()

    async def _leads(self, tick: bool) -> bool:
        """On a tick: try to lead, or check the lock's session is alive (fencing). Between ticks (a wake):
        the cheap check, no round trip."""
        return await self.leadership.check() if tick else self.leadership.still_leading()

    def start(self) -> None:
        self.resources.on_recorded = self.wake
        self._task = asyncio.create_task(self._run(), name="scheduler")
        self._listener = asyncio.create_task(self._listen(), name="scheduler-wakes")
        self._stock_listener = asyncio.create_task(self._listen_stock(), name="scheduler-stock")

    async def stop(self) -> None:
        self.resources.on_recorded = None
        for task in (self._task, self._listener, self._stock_listener, self._forwarding):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._listener = self._stock_listener = self._forwarding = None
        await self.simulations.stop()
        await self.leadership.release()
