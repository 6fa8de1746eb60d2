"""The fast sourcing engine makes exactly the plans of the reference engine it replaced."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from domain import profiles, sourcing
from domain.locations import FulfillmentMethod, Geo, Location, LocationType
from domain.profiles import ShippingRate, SourcingProfile, Weights
from tests.unit import sourcing_reference

SKUS = ("A", "B", "C", "D", "E")
HOME = Geo(40.0, -74.0)


@st.composite
def locations(draw: st.DrawFn, loc_id: str) -> Location:
    return Location(
        loc_id,
        f"Name {loc_id}",
        draw(st.sampled_from(list(LocationType))),
        tuple(draw(st.sets(st.sampled_from(("US", "CA")), min_size=1))),
        HOME,
        tuple(draw(st.sets(st.sampled_from(list(FulfillmentMethod)), min_size=1))),
        priority=draw(st.integers(0, 3)),
        daily_capacity=draw(st.sampled_from((None, 0, 2, 5))),
        turnaround_hours=draw(st.sampled_from((None, 0.0, 2.0, 24.0))),
        handling_cost=draw(st.sampled_from((None, 0.0, 3.5))),
        active=draw(st.booleans()) or draw(st.booleans()),
    )


@st.composite
def candidates(draw: st.DrawFn) -> list[sourcing.Candidate]:
    found = []
    for n in range(draw(st.integers(0, 14))):
        atp = draw(st.dictionaries(st.sampled_from((*SKUS, "OTHER")), st.integers(0, 4), max_size=6))
        found.append(
            sourcing.Candidate(
                draw(locations(f"loc-{n:02d}")),
                atp,
                draw(st.one_of(st.none(), st.floats(0, 900, allow_nan=False))),
                draw(st.integers(0, 6)),
                draw(st.sampled_from((1.0, 0.5, 0.0, 1.5))),
            )
        )
    return found


@st.composite
def requests(draw: st.DrawFn, ids: list[str]) -> sourcing.Request:
    lines = draw(st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 5)), min_size=1, max_size=6))
    return sourcing.Request(
        tuple(sourcing.Line(sku, qty) for sku, qty in lines),  # repeated SKUs are merged by the engine
        draw(st.sampled_from(list(FulfillmentMethod))),
        draw(st.sampled_from(("US", "CA"))),
        draw(st.sampled_from((HOME, None))),
        draw(st.sampled_from([None, "missing", *ids[:2]])),
        frozenset(draw(st.sets(st.sampled_from(ids))) if ids else ()),
    )


@st.composite
def sourcing_profiles(draw: st.DrawFn) -> SourcingProfile:
    weight = st.sampled_from((0.0, 0.5, 1.0, 2.0))
    return SourcingProfile(
        "p",
        allowed_location_types=draw(st.one_of(st.none(), st.sets(st.sampled_from(list(LocationType))).map(tuple))),
        max_shipments=draw(st.sampled_from((None, 1, 2, 3, 4))),
        max_distance_km=draw(st.sampled_from((None, 100.0, 800.0))),
        respect_capacity=draw(st.booleans()),
        weights=Weights(*(draw(weight) for _ in range(7))),
        shipping_rate=ShippingRate(draw(st.sampled_from((0.0, 5.0))), 0.01, 4.0),
    )


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_small_networks_get_the_reference_plan(data: st.DataObject) -> None:
    pool = data.draw(candidates())
    request = data.draw(requests([c.location.id for c in pool]))
    profile = data.draw(sourcing_profiles())
    assert sourcing.plan(pool, request, profile) == sourcing_reference.plan(pool, request, profile)


def network(seed: int, locations: int, lines: int, density: float) -> tuple[list[sourcing.Candidate], sourcing.Request]:
    """A large random network: many candidates, sparse stock, so the pool search and the greedy both run."""
    rng = random.Random(seed)
    skus = [f"S{i}" for i in range(lines)]
    found = []
    for n in range(locations):
        loc = Location(
            f"loc-{n:04d}",
            f"L{n}",
            rng.choice([LocationType.STORE, LocationType.HUB_STORE, LocationType.WAREHOUSE]),
            ("US",),
            HOME,
            (FulfillmentMethod.SHIP,),
            priority=rng.randint(0, 20),
            daily_capacity=rng.choice((None, 50, 100)),
            turnaround_hours=rng.choice((2.0, 4.0, 24.0)),
            handling_cost=rng.uniform(2, 8),
        )
        atp = {sku: rng.randint(0, 3) for sku in skus if rng.random() < density}
        found.append(sourcing.Candidate(loc, atp, rng.uniform(0, 3000), rng.randint(0, 60)))
    quantities = [rng.choice((1, 1, 2, 4)) for _ in skus]
    request = sourcing.Request(
        tuple(sourcing.Line(s, q) for s, q in zip(skus, quantities, strict=True)), FulfillmentMethod.SHIP, "US", HOME
    )
    return found, request


def test_large_networks_get_the_reference_plan_on_every_search_path() -> None:
    seen_shipments = set()
    for seed in range(60):
        rng = random.Random(seed)
        pool, request = network(seed, rng.choice((30, 200, 1000)), rng.choice((3, 6, 10)), rng.choice((0.02, 0.1, 0.3)))
        for profile in (profiles.DEFAULT_PROFILE, SourcingProfile("wide", max_shipments=None, respect_capacity=False)):
            fast = sourcing.plan(pool, request, profile)
            assert fast == sourcing_reference.plan(pool, request, profile), (seed, profile.id)
            seen_shipments.add(fast.shipments)
    assert {1, 2, 3} <= seen_shipments  # single location, exact pool search and greedy all exercised
