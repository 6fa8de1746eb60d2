"""Benchmark: the pure sourcing engine, a 10-line order over 1,000 candidate locations.

python -m bench.sourcing [--runs N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from bench.common import write_result
from domain import profiles, sourcing
from domain.geo import distance_km
from domain.locations import FulfillmentMethod, Geo, Location, LocationType


def scenario(
    locations: int = 1000, lines: int = 10, seed: int = 5
) -> tuple[list[sourcing.Candidate], sourcing.Request]:
    rng = random.Random(seed)
    home = Geo(40.71, -74.0)
    kinds = [LocationType.STORE] * 6 + [LocationType.HUB_STORE, LocationType.WAREHOUSE]
    skus = [f"S{i}" for i in range(lines)]
    candidates = []
    for n in range(locations):
        place = Geo(rng.uniform(30, 48), rng.uniform(-122, -71))
        loc = Location(
            f"loc-{n:04d}",
            f"L{n}",
            rng.choice(kinds),
            ("US",),
            place,
            (FulfillmentMethod.SHIP,),
            priority=rng.randint(0, 20),
            daily_capacity=rng.choice((None, 50, 100)),
            turnaround_hours=rng.choice((2.0, 4.0, 24.0)),
            handling_cost=rng.uniform(2, 8),
        )
        atp = {sku: rng.randint(0, 3) for sku in skus if rng.random() < 0.3}
        candidates.append(sourcing.Candidate(loc, atp, distance_km(home, place), rng.randint(0, 60)))
    request = sourcing.Request(tuple(sourcing.Line(s, 1) for s in skus), FulfillmentMethod.SHIP, "US", home)
    return candidates, request


def main(runs: int) -> None:
    candidates, request = scenario()
    profile = profiles.DEFAULT_PROFILE
    for _ in range(20):
        sourcing.plan(candidates, request, profile)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        plan = sourcing.plan(candidates, request, profile)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p50, p99 = statistics.median(timings), timings[int(len(timings) * 0.99) - 1]
    markdown = (
        "| scenario | p50 ms | p99 ms | shipments | complete |\n|---|---|---|---|---|\n"
        f"| 10 lines x 1,000 candidates | {p50:.2f} | {p99:.2f} | {plan.shipments} | {plan.complete} |"
    )
    write_result("sourcing", {"runs": runs, "p50_ms": round(p50, 3), "p99_ms": round(p99, 3), "markdown": markdown})
    print(markdown)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=300)
    main(parser.parse_args().runs)
