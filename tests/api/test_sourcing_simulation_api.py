"""simulateSourcing: past orders replayed against the stock they saw, under a draft and the baseline, in the
background (progress, cancel, once across runners, resumed from its checkpoint), writing nothing else."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from app.services import simulation_runner
from app.services.simulation_runner import SimulationRunner
from app.store.tables.inventory import positions
from app.store.tables.ledger import inventory_ledger, sourcing_simulations
from app.store.tables.orders import orders
from app.store.tables.outbox import outbox_events
from domain import simulation
from tests.api.test_edit_order_api import network
from tests.api.test_edit_order_api import place as place_order
from tests.harness import Api

SIMULATE = """mutation($input: SimulateSourcingInput!) { simulateSourcing(input: $input) {
  simulation { id status progress } userErrors { field code message } } }"""
CANCEL = """mutation($id: ID!) { cancelSourcingSimulation(id: $id) {
  simulation { id status } userErrors { field code message } } }"""
KPIS = """ordersFullyServed unallocatedUnits shipments splitRate averageDistanceKm estimatedCost
  perLocation { location { id } fulfillments units daysOverCapacity }"""
READ = f"""query($id: ID!) {{ sourcingSimulation(id: $id) {{ id status progress orders error
  draft {{ {KPIS} }} baseline {{ {KPIS} }}
  differences {{ orderId draft {{ explanation allocations {{ location {{ id }} sku quantity }} }}
    baseline {{ explanation allocations {{ location {{ id }} sku quantity }} }} }} }} }}"""
DEPTH_ONLY = {
    "distance": 0,
    "priority": 0,
    "turnaround": 0,
    "capacity": 0,
    "stockDepth": 1,
    "cost": 0,
    "performance": 0,
}
PLANS = """query($id: ID!) { order(id: $id) { plan { allocations { location { id } sku quantity } } } }"""


def window(**extra: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    base = {
        "profile": {"id": "draft", "weights": DEPTH_ONLY},
        "from": (now - timedelta(hours=1)).isoformat(),
        "to": (now + timedelta(seconds=1)).isoformat(),
    }
    return base | extra


async def history(api: Api) -> list[str]:
    """Five orders of 2 A shipped near home: near has 5, far (Chicago) has 50."""
    await network(api, near=5, far=50)
    return [(await place_order(api, f"o{n}", [("A", 2)]))["id"] for n in range(5)]


async def start(api: Api, **extra: Any) -> str:
    got = (await api.gql(SIMULATE, {"input": window(**extra)}))["simulateSourcing"]
    assert got["userErrors"] == [], got
    assert got["simulation"]["status"] == "QUEUED" and got["simulation"]["progress"] == 0.0
    return str(got["simulation"]["id"])


async def finished(api: Api, sim_id: str) -> dict[str, Any]:
    for _ in range(200):
        found = (await api.gql(READ, {"id": sim_id}))["sourcingSimulation"]
        if found["status"] not in ("QUEUED", "RUNNING"):
            return dict(found)
        await asyncio.sleep(0.05)
    raise AssertionError(f"simulation {sim_id} still {found['status']}")


async def counts(api: Api) -> tuple[int, ...]:
    async with api.server.resources.db.read() as conn:
        tables = (positions, orders, outbox_events, inventory_ledger)
        return tuple([int((await conn.execute(select(func.count()).select_from(t))).scalar_one()) for t in tables])


async def test_a_draft_is_replayed_beside_the_baseline_against_the_stock_each_order_saw(api: Api) -> None:
    ids = await history(api)
    before = await counts(api)
    found = await finished(api, await start(api))
    assert (found["status"], found["progress"], found["orders"], found["error"]) == ("SUCCEEDED", 1.0, 5, None)
    base, draft = found["baseline"], found["draft"]
    # the baseline is the profile that placed them: it makes the very plans they got, from the stock they saw
    by_order = {d["orderId"]: d for d in found["differences"]}
    real_units: dict[str, int] = {}
    for order_id in ids:
        real = (await api.gql(PLANS, {"id": order_id}))["order"]["plan"]["allocations"]
        for a in real:
            real_units[a["location"]["id"]] = real_units.get(a["location"]["id"], 0) + a["quantity"]
        if order_id in by_order:
            assert by_order[order_id]["baseline"]["allocations"] == real
    assert base["ordersFullyServed"] == 5 and base["unallocatedUnits"] == 0
    assert {x["location"]["id"]: x["units"] for x in base["perLocation"]} == real_units
    # the draft cares only for stock depth: every order from far, longer trips, no split
    assert draft == {
        "ordersFullyServed": 5,
        "unallocatedUnits": 0,
        "shipments": 5,
        "splitRate": 0.0,
        "averageDistanceKm": pytest.approx(draft["averageDistanceKm"]),
        "estimatedCost": draft["estimatedCost"],
        "perLocation": [{"location": {"id": "far"}, "fulfillments": 5, "units": 10, "daysOverCapacity": 0}],
    }
    assert draft["averageDistanceKm"] > 1000 > base["averageDistanceKm"]
    assert len(found["differences"]) >= 2 and all(d["draft"]["explanation"] for d in found["differences"])
    assert await counts(api) == before  # positions, orders, outbox and ledger untouched


async def test_bad_input_is_a_user_error_and_queues_nothing(api: Api) -> None:
    now = datetime.now(UTC)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"from": (now - timedelta(days=93)).isoformat(), "to": now.isoformat()}, "to"),
        ({"from": now.isoformat(), "to": (now - timedelta(hours=1)).isoformat()}, "from"),
        ({"profile": {"id": "draft", "maxShipments": 0}}, "maxShipments"),
        ({"baselineProfileId": "nope"}, "baselineProfileId"),
    ]
    for extra, field in cases:
        got = (await api.gql(SIMULATE, {"input": window(**extra)}))["simulateSourcing"]
        assert got["simulation"] is None and got["userErrors"][0]["field"][-1] == field, got
    async with api.server.resources.db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(sourcing_simulations))).scalar_one() == 0


async def test_a_cancelled_simulation_is_never_run_and_a_finished_one_stays(api: Api) -> None:
    await history(api)
    scheduler = api.server.resources.scheduler
    await scheduler.stop()
    try:
        sim_id = await start(api)
        got = (await api.gql(CANCEL, {"id": sim_id}))["cancelSourcingSimulation"]
        assert got == {"simulation": {"id": sim_id, "status": "CANCELLED"}, "userErrors": []}
        assert await SimulationRunner(api.server.resources).run_all() == 0
    finally:
        scheduler.start()
    assert (await api.gql(READ, {"id": sim_id}))["sourcingSimulation"]["status"] == "CANCELLED"
    done = await finished(api, await start(api))
    again = (await api.gql(CANCEL, {"id": done["id"]}))["cancelSourcingSimulation"]
    assert again["simulation"]["status"] == "SUCCEEDED"
    missing = (await api.gql(CANCEL, {"id": "sim_nope"}))["cancelSourcingSimulation"]
    assert missing["userErrors"][0]["code"] == "NOT_FOUND"


async def test_two_runners_run_a_job_once_and_a_dead_runners_job_resumes_from_its_checkpoint(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    await history(api)
    reference = await finished(api, await start(api))  # run whole by the server's own leader
    scheduler = api.server.resources.scheduler
    await scheduler.stop()
    try:
        sim_id = await start(api)
        runs = await asyncio.gather(*(SimulationRunner(api.server.resources).run_all() for _ in range(3)))
        assert sum(runs) == 1  # claimed once under its lease
        once = (await api.gql(READ, {"id": sim_id}))["sourcingSimulation"]
        monkeypatch.setattr(simulation, "CHUNK", 2)
        resumed_id = await start(api)
        dying = SimulationRunner(api.server.resources)
        original = simulation_runner._replay_chunk

        def crash_after_first_chunk(job: Any, upto: int) -> None:
            if job.next >= 2:
                raise asyncio.CancelledError  # the replica dies after its first checkpoint
            original(job, upto)

        monkeypatch.setattr(simulation_runner, "_replay_chunk", crash_after_first_chunk)
        with pytest.raises(asyncio.CancelledError):
            await dying.run(resumed_id)
        midway = (await api.gql(READ, {"id": resumed_id}))["sourcingSimulation"]
        assert (midway["status"], midway["orders"], midway["progress"]) == ("RUNNING", 2, 0.4)
        monkeypatch.setattr(simulation_runner, "_replay_chunk", original)
        assert await SimulationRunner(api.server.resources).run_all() == 0  # its lease is alive: left alone
        async with api.server.resources.db.write() as conn:  # ... until it runs out
            past = datetime.now(UTC) - timedelta(seconds=1)
            await conn.execute(update(sourcing_simulations).values(lease_until=past))
        assert await SimulationRunner(api.server.resources).run_all() == 1
    finally:
        scheduler.start()
    resumed = (await api.gql(READ, {"id": resumed_id}))["sourcingSimulation"]
    for got in (once, resumed):
        assert {k: got[k] for k in ("status", "orders", "draft", "baseline", "differences")} == {
            k: reference[k] for k in ("status", "orders", "draft", "baseline", "differences")
        }
