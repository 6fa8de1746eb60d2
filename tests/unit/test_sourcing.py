"""Sourcing: filters, scores, search and explanations, with the issue's worked profiles."""

from __future__ import annotations

from dataclasses import replace

from domain import profiles
from domain.locations import FulfillmentMethod, Geo, Location, LocationType
from domain.profiles import SourcingProfile, Weights
from domain.sourcing import Candidate, Line, Request, plan

SHIP, PICKUP = FulfillmentMethod.SHIP, FulfillmentMethod.PICKUP
HOME = Geo(40.0, -74.0)


def loc(loc_id: str, kind: LocationType = LocationType.STORE, **extra: object) -> Location:
    base = Location(loc_id, f"Name {loc_id}", kind, ("US",), Geo(40.0, -74.0), (SHIP, PICKUP), priority=10)
    return replace(base, **extra)  # type: ignore[arg-type]


def cand(location: Location, distance: float = 10.0, today: int = 0, performance: float = 1.0, **atp: int) -> Candidate:
    return Candidate(location, dict(atp), distance, today, performance)


def request(*lines: tuple[str, int], method: FulfillmentMethod = SHIP, **extra: object) -> Request:
    return Request(tuple(Line(s, q) for s, q in lines), method, "US", HOME, **extra)  # type: ignore[arg-type]


DEFAULT = profiles.DEFAULT_PROFILE


def test_one_location_that_holds_everything_beats_a_split() -> None:
    near = cand(loc("near"), distance=2, A=5)
    far = cand(loc("far"), distance=50, A=5, B=5)
    result = plan([near, far], request(("A", 1), ("B", 1)), DEFAULT)
    assert result.locations() == ["far"] and result.shipments == 1 and result.complete
    assert "can serve the whole order in one parcel" in result.allocations[0].reasons


def test_a_better_scored_runner_up_is_explained_by_what_it_lacks_not_by_its_score() -> None:
    near = cand(loc("near"), distance=2, A=5)  # the best score, but it cannot ship B
    far = cand(loc("far"), distance=50, A=5, B=5)
    result = plan([near, far], request(("A", 1), ("B", 1)), DEFAULT)
    [not_chosen] = [line for line in result.explanation if line.startswith("Not chosen: near")]
    assert "lower score" not in not_chosen
    assert "cannot ship B x1, and one location can ship everything" in not_chosen


def test_the_fewest_shipments_when_no_location_holds_everything() -> None:
    a = cand(loc("a"), A=2)
    b = cand(loc("b"), B=2)
    c = cand(loc("c"), C=2)
    bc = cand(loc("bc"), B=2, C=2, distance=90)
    result = plan([a, b, c, bc], request(("A", 1), ("B", 1), ("C", 1)), DEFAULT)
    assert sorted(result.locations()) == ["a", "bc"]
    assert any("fewest possible" in line for line in result.explanation)


def test_a_line_can_be_split_across_locations_when_needed() -> None:
    result = plan([cand(loc("x"), A=2), cand(loc("y"), A=3)], request(("A", 4)), DEFAULT)
    assert sorted((a.location_id, a.quantity) for a in result.allocations) in (
        [("x", 2), ("y", 2)],
        [("x", 1), ("y", 3)],
    )
    assert result.complete


def test_what_nothing_can_serve_is_unallocated_and_explained() -> None:
    result = plan([cand(loc("x"), A=1)], request(("A", 3), ("Z", 1)), DEFAULT)
    assert [(u.sku, u.quantity) for u in result.unallocated] == [("A", 2), ("Z", 1)]
    assert any(line.startswith("Unallocated: Z x1") for line in result.explanation)


def test_max_shipments_one_never_splits() -> None:
    never_split = replace(DEFAULT, max_shipments=1)
    result = plan([cand(loc("x"), A=1), cand(loc("y"), B=1)], request(("A", 1), ("B", 1)), never_split)
    assert result.shipments == 1 and len(result.unallocated) == 1


def test_hub_stores_before_regional_stores() -> None:
    hub = cand(loc("hub", LocationType.HUB_STORE, priority=20), distance=12, A=3)
    regional = cand(loc("regional", priority=10), distance=10, A=3)
    weights = Weights(distance=0.2, priority=1, turnaround=0, capacity=0, stock_depth=0, cost=0, performance=0)
    hubs_first = SourcingProfile("hubs-first", weights=weights)
    assert plan([regional, hub], request(("A", 1)), hubs_first).locations() == ["hub"]


def test_vip_orders_ship_only_from_hub_stores_or_warehouses() -> None:
    vip = SourcingProfile(
        "vip", customer_segment="VIP", allowed_location_types=(LocationType.HUB_STORE, LocationType.WAREHOUSE)
    )
    store = cand(loc("store"), distance=1, A=3)
    warehouse = cand(loc("wh", LocationType.WAREHOUSE), distance=400, A=3)
    result = plan([store, warehouse], request(("A", 1)), vip)
    assert result.locations() == ["wh"]
    assert "Filtered out: store: store not allowed by profile vip." in result.explanation
    chosen = profiles.choose([vip], "web", "US", "VIP")
    assert chosen.id == "vip" and profiles.choose([vip], "web", "US", None).id == "default"


def test_luxury_never_ships_from_stores() -> None:
    luxury = SourcingProfile("luxury", channel="luxury", allowed_location_types=(LocationType.WAREHOUSE,))
    result = plan([cand(loc("s", LocationType.HUB_STORE), A=1)], request(("A", 1)), luxury)
    assert result.unallocated and not result.allocations
    assert plan(
        [cand(loc("s"), A=1), cand(loc("w", LocationType.WAREHOUSE), A=1)], request(("A", 1)), luxury
    ).locations() == ["w"]


def test_fastest_turnaround_first() -> None:
    fast = SourcingProfile("fast", weights=Weights(0, 0, 1, 0, 0, 0, 0))
    slow = cand(loc("slow", turnaround_hours=24.0), distance=1, A=1)
    quick = cand(loc("quick", turnaround_hours=2.0), distance=300, A=1)
    assert plan([slow, quick], request(("A", 1)), fast).locations() == ["quick"]


def test_capacity_aware_routing_moves_work_off_a_full_store() -> None:
    full = cand(loc("full", daily_capacity=40), distance=1, today=40, A=5)
    other = cand(loc("other", daily_capacity=40), distance=30, today=10, A=5)
    result = plan([full, other], request(("A", 1)), DEFAULT)
    assert result.locations() == ["other"]
    assert "Filtered out: full: over daily capacity 40/40." in result.explanation
    ignore_capacity = replace(DEFAULT, respect_capacity=False, weights=Weights(1, 0, 0, 0, 0, 0, 0))
    assert plan([full, other], request(("A", 1)), ignore_capacity).locations() == ["full"]


def test_lowest_cost_first_routes_for_margin() -> None:
    cheap = cand(loc("cheap", handling_cost=1.0), distance=200, A=1)
    dear = cand(loc("dear", handling_cost=9.0), distance=5, A=1)
    margin = SourcingProfile("margin", weights=Weights(0, 0, 0, 0, 0, 1, 0))
    result = plan([cheap, dear], request(("A", 1)), margin)
    assert result.locations() == ["cheap"]
    assert result.estimated_cost == 1.0 + 5.0 + 0.01 * 200


def test_stock_depth_spares_a_stores_last_units() -> None:
    last_units = cand(loc("thin"), distance=10, A=1)
    deep = cand(loc("deep"), distance=10, A=40)
    assert plan([last_units, deep], request(("A", 1)), DEFAULT).locations() == ["deep"]


def test_poor_performers_receive_less_work() -> None:
    sloppy = cand(loc("sloppy"), performance=0.5, A=5)
    careful = cand(loc("careful"), performance=1.0, A=5)
    assert plan([sloppy, careful], request(("A", 1)), DEFAULT).locations() == ["careful"]


def test_distance_and_market_and_method_filters_explain_themselves() -> None:
    capped = replace(DEFAULT, max_distance_km=800)
    far = cand(loc("far"), distance=1240, A=1)
    canada = cand(loc("ca", markets=("CA",)), A=1)
    pickup_only = cand(loc("po", capabilities=(PICKUP,)), A=1)
    result = plan([far, canada, pickup_only], request(("A", 1)), capped)
    reports = {r.location_id: r.failures for r in result.candidates}
    assert reports == {
        "far": ("1,240 km, beyond 800 km",),
        "ca": ("does not serve US",),
        "po": ("does not offer SHIP",),
    }


def test_pickup_considers_only_the_chosen_store() -> None:
    chosen, other = cand(loc("chosen"), A=1), cand(loc("other"), A=9)
    result = plan([chosen, other], request(("A", 1), method=PICKUP, pickup_location_id="chosen"), DEFAULT)
    assert result.locations() == ["chosen"] and [r.location_id for r in result.candidates] == ["chosen"]
    assert result.estimated_cost == 0.0


def test_candidates_carry_their_scores_as_data() -> None:
    result = plan([cand(loc("x"), A=1), cand(loc("y"), distance=20, A=1)], request(("A", 1)), DEFAULT)
    best = result.candidates[0]
    assert best.passed and set(best.scores) == {
        "distance",
        "priority",
        "turnaround",
        "capacity",
        "stock_depth",
        "cost",
        "performance",
    }
    assert 0 <= best.total <= 1 and best.total >= result.candidates[1].total


def test_excluded_locations_are_filtered() -> None:
    result = plan([cand(loc("x"), A=1), cand(loc("y"), A=1)], request(("A", 1), excluded=frozenset({"x"})), DEFAULT)
    assert result.locations() == ["y"]


def test_large_candidate_sets_fall_back_to_the_greedy_search() -> None:
    many = [cand(loc(f"s{i:04d}"), distance=i, **{f"K{i % 10}": 1}) for i in range(1000)]
    lines = [(f"K{i}", 1) for i in range(10)]
    result = plan(many, request(*lines), replace(DEFAULT, max_shipments=10))
    assert result.complete and result.shipments == 10
