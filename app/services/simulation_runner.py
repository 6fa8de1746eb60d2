"""The leader's runner of sourcing simulations: claim a job, replay its window in chunks, checkpoint, finish.

Exactly once across replicas: a job is claimed with a guarded UPDATE under a
lease, and each checkpoint is guarded by the owner, so a second runner never
takes a job whose lease is alive, and a runner that lost its job (cancelled,
or its lease taken over after it stalled) stops at its next checkpoint. After a
restart the job's lease runs out and the next leader resumes it from its last
checkpoint: the orders replayed so far and each profile's tallies are in it.
The replay itself is pure (`domain.replay`) and runs in a worker thread, a
chunk at a time, so the server keeps answering meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.resources import Resources
from app.services.sourcing import plan_to_json
from app.services.uow import utc_now
from app.store import profiles as profile_store
from app.store import simulations as store
from app.store import versions
from domain import profiles, replay, simulation
from domain.replay import Lane, PastOrder, RuleHistory, Timeline, World
from domain.simulation import JobStatus, Tally

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
TOP_CANDIDATES = 3  # candidates kept per plan of a differing order


@dataclass(slots=True)
class Job:
    """A claimed job's inputs and its progress so far."""

    sim_id: str
    orders: list[PastOrder]
    timeline: Timeline
    rules: RuleHistory
    world: World
    lanes: dict[str, Lane]
    tallies: dict[str, Tally]
    differences: list[dict[str, Any]]
    next: int = 0


class SimulationRunner:
    def __init__(self, resources: Resources) -> None:
        self.resources = resources
        self.owner = uuid.uuid4().hex
        self.wanted = False  # a simulation was queued on this replica: look now, not at the next tick
        self._task: asyncio.Task[int] | None = None

    def wake(self) -> None:
        """A simulation was queued: the leader looks now (this replica, or another told through pub/sub)."""
        self.wanted = True
        if self.resources.scheduler is not None:
            self.resources.scheduler.wake(simulations=True)

    def kick(self) -> None:
        """Start looking for jobs unless already running (called by the scheduler while this replica leads)."""
        self.wanted = False
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run_all(), name="simulations")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def run_all(self) -> int:
        """Run every claimable job, oldest first; returns how many this runner finished."""
        done = 0
        while True:
            async with self.resources.db.read() as conn:
                due = await store.claimable(conn, utc_now())
            if not due:
                return done
            ran = [await self.run(sim_id) for sim_id in due]
            done += sum(ran)
            if not any(ran):
                return done

    async def run(self, sim_id: str) -> bool:
        now = utc_now()
        async with self.resources.db.write() as conn:
            if not await store.claim(conn, sim_id, self.owner, now, now + LEASE):
                return False
            row = await store.get(conn, sim_id)
        try:
            job = await self._load(sim_id, row.request, row.state)
            return await self._replay(job)
        except Exception as error:
            log.exception("simulation %s failed", sim_id)
            async with self.resources.db.write() as conn:
                await store.save(
                    conn, sim_id, self.owner, utc_now(), status=JobStatus.FAILED.value, error=str(error)[:500]
                )
            return True

    async def _load(self, sim_id: str, request: dict[str, Any], state: dict[str, Any] | None) -> Job:
        start, end = datetime.fromisoformat(request["from"]), datetime.fromisoformat(request["to"])
        cache = self.resources.availability.cache
        async with self.resources.db.read() as conn:
            orders = await store.past_orders(conn, start, end, request["channel"], request["market"])
            skus = sorted({line.sku for o in orders for line in o.lines})
            entries, spans = await store.history(conn, skus, start, end)
            base, versions_ = await store.rule_history(conn, start, end)
            categories = await store.categories(conn, skus)
            saved = {p.id: p for p in await profile_store.all_profiles(conn)}
            found = await versions.tokens(conn)
            await cache.refresh(conn, *(found.get(x) for x in (versions.LOCATIONS, versions.RULES, versions.PROFILES)))
        draft = profile_store.profile_from_json(request["draft"])
        baseline = saved.get(request["baseline"], profiles.DEFAULT_PROFILE)
        state = state or {}
        lanes = {"draft": Lane(draft), "baseline": Lane(baseline)}
        for name, lane in lanes.items():
            kept = state.get("lanes", {}).get(name, {})
            lane.shift = {(loc, sku): n for loc, sku, n in kept.get("shift", [])}
            lane.load = {(loc, day): n for loc, day, n in kept.get("load", [])}
        tallies = {name: Tally.from_json(state["tallies"][name]) if state else Tally() for name in lanes}
        return Job(
            sim_id,
            orders,
            Timeline(entries, replay.spans_by_sku(spans)),
            RuleHistory(versions_, base),
            World(dict(cache.locations), categories, dict(cache.performance)),
            lanes,
            tallies,
            list(state.get("differences", [])),
            int(state.get("next", 0)),
        )

    async def _replay(self, job: Job) -> bool:
        total = len(job.orders)
        while job.next < total:
            upto = min(total, job.next + simulation.CHUNK)
            await asyncio.to_thread(_replay_chunk, job, upto)
            now = utc_now()
            progress = job.next / total
            async with self.resources.db.write() as conn:
                kept = await store.save(
                    conn,
                    job.sim_id,
                    self.owner,
                    now,
                    progress=progress,
                    orders=job.next,
                    state=_state(job),
                    lease_until=now + LEASE,
                )
            if not kept:
                return False  # cancelled, or another replica took it over: nothing more is written
        result = {
            name: simulation.kpis_to_json(simulation.kpis(job.tallies[name], lane.load, job.world.locations))
            for name, lane in job.lanes.items()
        } | {"differences": job.differences}
        async with self.resources.db.write() as conn:
            await store.save(
                conn,
                job.sim_id,
                self.owner,
                utc_now(),
                status=JobStatus.SUCCEEDED.value,
                progress=1.0,
                orders=total,
                result=result,
                state=None,
            )
        return True


def _replay_chunk(job: Job, upto: int) -> None:
    """Replay orders [job.next, upto) under both profiles (pure, in a worker thread)."""
    for order in job.orders[job.next : upto]:
        job.timeline.before(order.at)
        seen = replay.seen_by(order, job.timeline, job.rules.at(order.at), job.world)
        draft = job.lanes["draft"].plan(order, seen, job.world)
        baseline = job.lanes["baseline"].plan(order, seen, job.world)
        job.tallies["draft"].add(order, draft, job.world.locations)
        job.tallies["baseline"].add(order, baseline, job.world.locations)
        if not replay.same_plan(draft, baseline) and len(job.differences) < simulation.MAX_DIFFERENCES:
            job.differences.append(
                {
                    "order_id": order.order_id,
                    "draft": plan_to_json(draft, job.lanes["draft"].profile, TOP_CANDIDATES),
                    "baseline": plan_to_json(baseline, job.lanes["baseline"].profile, TOP_CANDIDATES),
                }
            )
    job.next = upto


def _state(job: Job) -> dict[str, Any]:
    return {
        "next": job.next,
        "tallies": {name: tally.to_json() for name, tally in job.tallies.items()},
        "lanes": {
            name: {
                "shift": [[loc, sku, n] for (loc, sku), n in lane.shift.items()],
                "load": [[loc, day, n] for (loc, day), n in lane.load.items()],
            }
            for name, lane in job.lanes.items()
        },
        "differences": job.differences,
    }
