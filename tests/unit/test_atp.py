"""Availability rules: precedence, held stock, caps, exclusions (contract section 2)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.atp import AvailabilityRule, Scope, availability, location_atp, validate_rule
from domain.errors import InvalidInput
from domain.inventory import Position
from domain.locations import FulfillmentMethod, Geo, Location, LocationType

STORE = Location("s1", "Store", LocationType.STORE, ("US",), Geo(0, 0), (FulfillmentMethod.PICKUP,))
VENDOR = Location("v1", "Vendor", LocationType.DROP_SHIP_VENDOR, ("US",), Geo(0, 0), (FulfillmentMethod.SHIP,))


def scope(location: Location = STORE, channel: str = "web", sku: str = "A", category: str | None = "shoes") -> Scope:
    return Scope(channel, "US", location, sku, category)


def pos(on_hand: int, reserved: int = 0, location: Location = STORE) -> Position:
    return Position("A", location.id, on_hand, reserved)


def test_without_rules_atp_is_on_hand_minus_reserved() -> None:
    result = location_atp(pos(10, 3), scope(), [])
    assert (result.atp, result.held, result.applied_rules) == (7, 0, ())


def test_held_is_the_larger_of_safety_stock_and_the_buffer() -> None:
    rules = [AvailabilityRule("ss", safety_stock=2), AvailabilityRule("buf", buffer_percent=25)]
    result = location_atp(pos(10), scope(), rules)
    assert (result.held, result.atp) == (3, 7)  # ceil(10 * 25%) = 3 > 2
    assert set(result.applied_rules) == {"ss", "buf"}


def test_drop_ship_vendor_stock_with_a_20_percent_buffer() -> None:
    rule = AvailabilityRule("dsv", location_type=LocationType.DROP_SHIP_VENDOR, buffer_percent=20)
    assert location_atp(pos(50, location=VENDOR), scope(VENDOR), [rule]).atp == 40
    assert location_atp(pos(50), scope(), [rule]).atp == 50


def test_a_marketplace_channel_is_capped_per_location() -> None:
    rule = AvailabilityRule("mkt", channel="marketplace", max_exposed=5)
    assert location_atp(pos(40), scope(channel="marketplace"), [rule]).atp == 5
    assert location_atp(pos(3), scope(channel="marketplace"), [rule]).atp == 3
    assert location_atp(pos(40), scope(channel="web"), [rule]).atp == 40


def test_a_category_include_beats_a_market_wide_exclude() -> None:
    rules = [
        AvailabilityRule("no-ca", market="US", exclude=True),
        AvailabilityRule("shoes-ok", market="US", category="shoes", exclude=False),
    ]
    assert location_atp(pos(5), scope(category="shoes"), rules).atp == 5
    assert location_atp(pos(5), scope(category="hats"), rules).atp == 0


def test_one_stores_display_stock_held_for_one_sku() -> None:
    rules = [AvailabilityRule("display", location_id="s1", sku="A", safety_stock=1)]
    assert location_atp(pos(4), scope(), rules).atp == 3
    assert location_atp(pos(4), scope(sku="B"), rules).atp == 4


def test_specificity_ranks_product_then_location_then_channel_then_market() -> None:
    by_location = AvailabilityRule("loc", location_id="s1", safety_stock=5)
    by_category = AvailabilityRule("cat", category="shoes", safety_stock=1)
    assert location_atp(pos(10), scope(), [by_location, by_category]).applied_rules == ("cat",)
    by_channel = AvailabilityRule("chan", channel="web", location_type=LocationType.STORE, safety_stock=2)
    assert location_atp(pos(10), scope(), [by_channel, by_location]).applied_rules == ("loc",)
    by_market = AvailabilityRule("mkt", market="US", channel="web", safety_stock=3)
    assert location_atp(pos(10), scope(), [by_market, AvailabilityRule("c", channel="web", safety_stock=4)]).held == 3


def test_a_tie_goes_to_the_rule_changed_last() -> None:
    older = AvailabilityRule("old", revision=1, sku="A", safety_stock=1)
    newer = AvailabilityRule("new", revision=2, sku="A", safety_stock=4)
    assert location_atp(pos(10), scope(), [newer, older]).held == 4


def test_each_effect_is_decided_by_its_own_most_specific_rule() -> None:
    rules = [
        AvailabilityRule("wide", safety_stock=1, max_exposed=3),
        AvailabilityRule("narrow", sku="A", safety_stock=2),
    ]
    result = location_atp(pos(10), scope(), rules)
    assert (result.held, result.atp) == (2, 3)
    assert set(result.applied_rules) == {"wide", "narrow"}


def test_inactive_and_other_market_locations_do_not_count() -> None:
    closed = Location("c", "Closed", LocationType.STORE, ("US",), Geo(0, 0), (), active=False)
    canada = Location("ca", "CA", LocationType.STORE, ("CA",), Geo(0, 0), ())
    locations = {x.id: x for x in (STORE, closed, canada)}
    positions = [Position("A", "s1", 2), Position("A", "c", 9), Position("A", "ca", 4), Position("A", "gone", 8)]
    result = availability("A", "web", "US", positions=positions, locations=locations, category="shoes")
    assert (result.atp, result.on_hand, [x.location.id for x in result.locations]) == (2, 2, ["s1"])


def test_a_rule_without_effect_or_with_bad_numbers_is_refused() -> None:
    for bad in (
        AvailabilityRule("x"),
        AvailabilityRule("x", buffer_percent=120),
        AvailabilityRule("x", safety_stock=-1),
    ):
        try:
            validate_rule(bad)
        except InvalidInput:
            continue
        raise AssertionError(f"{bad} accepted")


rule_strategy = st.builds(
    AvailabilityRule,
    id=st.text("abc", min_size=1, max_size=3),
    revision=st.integers(0, 5),
    channel=st.sampled_from([None, "web", "marketplace"]),
    location_type=st.sampled_from([None, LocationType.STORE, LocationType.WAREHOUSE]),
    location_id=st.sampled_from([None, "s1", "s2"]),
    category=st.sampled_from([None, "shoes", "hats"]),
    sku=st.sampled_from([None, "A", "B"]),
    safety_stock=st.one_of(st.none(), st.integers(0, 20)),
    buffer_percent=st.one_of(st.none(), st.floats(0, 100)),
    max_exposed=st.one_of(st.none(), st.integers(0, 20)),
    exclude=st.sampled_from([None, True, False]),
)


@given(
    on_hand=st.integers(-5, 200),
    reserved=st.integers(0, 200),
    rules=st.lists(rule_strategy, max_size=6),
    channel=st.sampled_from(["web", "marketplace"]),
    category=st.sampled_from(["shoes", "hats"]),
)
def test_atp_is_never_negative_never_above_free_stock_and_an_exclude_never_raises_it(
    on_hand: int, reserved: int, rules: list[AvailabilityRule], channel: str, category: str
) -> None:
    where = scope(channel=channel, category=category)
    result = location_atp(pos(on_hand, reserved), where, rules)
    assert 0 <= result.atp <= max(0, on_hand - reserved)
    widest_exclude = AvailabilityRule("ex", revision=99, exclude=True)
    assert location_atp(pos(on_hand, reserved), where, [*rules, widest_exclude]).atp <= result.atp
    narrowest = AvailabilityRule(
        "ex2", revision=99, sku="A", location_id="s1", channel=channel, market="US", exclude=True
    )
    assert location_atp(pos(on_hand, reserved), where, [*rules, narrowest]).atp == 0
