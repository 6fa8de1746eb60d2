"""Same-location recommendations: affinity, ranking, reasons, and the promise that they add no parcel."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from domain import profiles, recommendations, sourcing
from domain.locations import FulfillmentMethod, Geo, Location, LocationType
from domain.recommendations import CoPurchase, Relation, Serving

SHIP = FulfillmentMethod.SHIP


def loc(loc_id: str) -> Location:
    return Location(loc_id, f"Store {loc_id}", LocationType.STORE, ("US",), Geo(40, -74), (SHIP,))


def test_lift_needs_support_and_measures_togetherness() -> None:
    assert recommendations.lift(1, 10, 10, 100) == 0.0
    assert recommendations.lift(5, 10, 10, 100) == 5.0


def test_affinity_takes_the_strongest_relation_and_lift_and_skips_the_cart() -> None:
    rels = [Relation("A", "B", "ACCESSORY", 2.0), Relation("A", "B", "SIMILAR", 0.5), Relation("A", "A2", "X", 1)]
    pairs = [CoPurchase("A", "C", 4, 3.0), CoPurchase("A", "D", 4, 0.8)]
    found = recommendations.affinities(["A"], rels, pairs, exclude={"A", "A2"})
    assert set(found) == {"B", "C"}
    assert (found["B"].relation_kind, found["B"].relation_weight) == ("ACCESSORY", 2.0)
    assert found["C"].strength == 0.5


def test_rank_keeps_only_items_in_stock_where_the_order_is_served() -> None:
    found = recommendations.affinities(["A"], [Relation("A", "B", "X", 1), Relation("A", "C", "X", 3)], [], {"A"})
    servings = [Serving(loc("s1"), SHIP)]
    picks = recommendations.rank(found, servings, {("s1", "B"): 2, ("s2", "C"): 9}, limit=4)
    assert [(p.sku, p.location_id) for p in picks] == [("B", "s1")]
    assert picks[0].reason == "Goes with A (x). Ships in the same parcel from Store s1."


def test_deeper_stock_ranks_higher_among_equals() -> None:
    found = recommendations.affinities(["A"], [Relation("A", "B", "X", 1), Relation("A", "C", "X", 1)], [], {"A"})
    picks = recommendations.rank(found, [Serving(loc("s1"), SHIP)], {("s1", "B"): 1, ("s1", "C"): 8}, limit=4)
    assert [p.sku for p in picks] == ["C", "B"]


networks = st.lists(
    st.dictionaries(st.sampled_from(["A", "B", "C", "R1", "R2", "R3"]), st.integers(0, 3), max_size=6),
    min_size=1,
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(stock=networks, cart=st.lists(st.sampled_from(["A", "B", "C"]), min_size=1, max_size=3, unique=True))
def test_a_recommendation_never_adds_a_shipment(stock: list[dict[str, int]], cart: list[str]) -> None:
    candidates = [sourcing.Candidate(loc(f"s{i}"), atp, float(i)) for i, atp in enumerate(stock)]
    request = sourcing.Request(tuple(sourcing.Line(s, 1) for s in cart), SHIP, "US", Geo(40, -74))
    profile = profiles.DEFAULT_PROFILE
    before = sourcing.plan(candidates, request, profile)
    if not before.complete:
        return
    by_id = {c.location.id: c for c in candidates}
    servings = [Serving(by_id[x].location, SHIP) for x in before.locations()]
    relations = [Relation(s, r, "X", 1.0) for s in cart for r in ("R1", "R2", "R3")]
    found = recommendations.affinities(cart, relations, [], set(cart))
    atp_at = {(c.location.id, sku): n for c in candidates for sku, n in c.atp.items()}
    for pick in recommendations.rank(found, servings, atp_at, limit=3):
        bigger = sourcing.Request((*request.lines, sourcing.Line(pick.sku, 1)), SHIP, "US", Geo(40, -74))
        after = sourcing.plan(candidates, bigger, profile)
        assert after.complete and after.shipments <= before.shipments, (pick, before.locations(), after.locations())
