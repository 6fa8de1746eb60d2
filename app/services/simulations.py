"""Use cases: start, cancel and read sourcing simulations (the decision lab).

Starting one checks the window and the draft and writes a QUEUED job, nothing
else; the leader's runner (`app.services.simulation_runner`) replays it. A
simulation never writes positions, orders or the outbox: its only writes are
its own row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.resources import Resources
from app.services.sourcing import plan_from_json
from app.services.uow import utc_now
from app.store import profiles as profile_store
from app.store import simulations as store
from domain import profiles, simulation, sourcing
from domain.errors import NotFound
from domain.profiles import SourcingProfile
from domain.simulation import JobStatus, Kpis


@dataclass(frozen=True, slots=True)
class Difference:
    order_id: str
    draft: sourcing.Plan
    baseline: sourcing.Plan
    draft_weights: dict[str, float]
    baseline_weights: dict[str, float]


@dataclass(frozen=True, slots=True)
class Simulation:
    id: str
    status: JobStatus
    progress: float
    orders: int
    draft: Kpis | None
    baseline: Kpis | None
    differences: tuple[Difference, ...]
    error: str | None = None


async def simulate_sourcing(
    resources: Resources,
    *,
    draft: SourcingProfile,
    baseline_id: str,
    start: datetime,
    end: datetime,
    channel: str | None,
    market: str | None,
    by: str,
) -> Simulation:
    """Queue a simulation of the window under the draft and the baseline; bad input raises, writing nothing."""
    simulation.check_window(start, end)
    profiles.validate(draft)
    async with resources.db.write() as conn:
        known = {p.id for p in await profile_store.all_profiles(conn)} | {profiles.DEFAULT_PROFILE_ID}
        if baseline_id not in known:
            raise NotFound(f"No sourcing profile {baseline_id!r}", ("baselineProfileId",))
        sim_id = f"sim_{uuid.uuid4().hex[:20]}"
        request = {
            "draft": profile_store.profile_to_json(draft),
            "baseline": baseline_id,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "channel": channel,
            "market": market,
        }
        await store.insert(conn, sim_id, request, by, utc_now())
    if resources.scheduler is not None:
        resources.scheduler.simulations.wake()  # this replica may lead: start at once, else at the next tick
    return Simulation(sim_id, JobStatus.QUEUED, 0.0, 0, None, None, ())


async def cancel_simulation(resources: Resources, *, sim_id: str) -> Simulation:
    """QUEUED or RUNNING becomes CANCELLED (the runner stops at its next checkpoint); a finished job is left."""
    async with resources.db.write() as conn:
        if await store.get(conn, sim_id) is None:
            raise NotFound(f"No sourcing simulation {sim_id!r}", ("id",))
        await store.cancel(conn, sim_id, utc_now())
        row = await store.get(conn, sim_id)
    return from_row(row)


async def get_simulation(resources: Resources, sim_id: str) -> Simulation | None:
    async with resources.db.read() as conn:
        row = await store.get(conn, sim_id)
    return from_row(row) if row is not None else None


def from_row(row: Any) -> Simulation:
    result = row.result or {}
    differences = tuple(
        Difference(
            d["order_id"],
            sourcing_plan(d["draft"]),
            sourcing_plan(d["baseline"]),
            d["draft"].get("weights", {}),
            d["baseline"].get("weights", {}),
        )
        for d in result.get("differences", [])
    )
    return Simulation(
        row.id,
        JobStatus(row.status),
        float(row.progress),
        int(row.orders),
        simulation.kpis_from_json(result["draft"]) if "draft" in result else None,
        simulation.kpis_from_json(result["baseline"]) if "baseline" in result else None,
        differences,
        row.error,
    )


def sourcing_plan(raw: dict[str, Any]) -> sourcing.Plan:
    return plan_from_json(raw)
