"""Editing a placed order, decided without I/O: what may change and what it does to the fulfillments."""

from __future__ import annotations

import pytest

from domain import order_edits as edits
from domain import sourcing
from domain.errors import IdempotencyConflict, InvalidInput, InvalidTransition
from domain.locations import FulfillmentMethod, Geo
from domain.orders import Delivery, FulfillmentStatus, OrderLine, OrderStatus

F = FulfillmentStatus
SHIP = Delivery(FulfillmentMethod.SHIP, geo=Geo(40.7, -74.0))
ROWS = (OrderLine("A", 2, 10.0, no=1), OrderLine("B", 1, 10.0, no=2), OrderLine("C", 0, 10.0, no=3))
WORK = (edits.Work("f1", "near", F.AWAITING_PICK, {"A": 2, "B": 1}),)


def request(**changes: object) -> edits.EditRequest:
    return edits.EditRequest("o1", "k", "customer asked", **changes)  # type: ignore[arg-type]


def decide(
    req: edits.EditRequest, work: tuple[edits.Work, ...] = WORK, status: OrderStatus = OrderStatus.ALLOCATED
) -> edits.Edit:
    return edits.decide(req, status, rows=ROWS, work=work, delivery=SHIP, known_skus={"A", "B", "C", "D"})


def test_line_ids_name_the_order_and_the_number() -> None:
    assert edits.line_id("o1", 3) == "o1:3"
    assert edits.line_no("o1", "o1:3") == 3
    assert edits.line_no("o1", "o2:3") is None and edits.line_no("o1", "o1:x") is None


def test_an_added_line_takes_the_next_number_after_removed_ones_and_is_sourced() -> None:
    edit = decide(request(add_lines=(OrderLine("D", 2, 5.0),)))
    assert edit.written == (OrderLine("D", 2, 5.0, no=4),)
    assert edit.wanted == (sourcing.Line("D", 2),)
    assert edit.release == {} and edit.cancelled == {} and edit.total == 40.0


def test_a_reduction_comes_off_unpicked_work_and_an_emptied_fulfillment_is_cancelled() -> None:
    work = (
        edits.Work("f1", "near", F.AWAITING_PICK, {"A": 1}),
        edits.Work("f2", "far", F.AWAITING_PICK, {"A": 1, "B": 1}),
    )
    edit = decide(request(remove_line_ids=("o1:2",), change_quantities=(edits.QuantityChange("o1:1", 1),)), work)
    assert edit.release == {("far", "A"): 1, ("far", "B"): 1}
    assert edit.cancelled == {"f2": F.CANCELLED} and edit.quantities == {} and edit.wanted == ()


def test_picked_units_cannot_be_taken_back_and_the_error_names_the_line() -> None:
    work = (edits.Work("f1", "near", F.PICKING, {"A": 2, "B": 1}),)
    with pytest.raises(InvalidTransition) as error:
        decide(request(change_quantities=(edits.QuantityChange("o1:1", 1),)), work)
    assert error.value.field == ("changeQuantities", "0", "quantity")
    with pytest.raises(InvalidTransition):
        decide(request(delivery=Delivery(FulfillmentMethod.PICKUP, "far")), work)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"change_quantities": (edits.QuantityChange("o1:1", 0),)}, ("changeQuantities", "0", "quantity")),
        ({"change_quantities": (edits.QuantityChange("o1:1", -1),)}, ("changeQuantities", "0", "quantity")),
        ({"remove_line_ids": ("o1:3",)}, ("removeLineIds", "0")),  # removed already
        ({"remove_line_ids": ("o1:9",)}, ("removeLineIds", "0")),
        ({"remove_line_ids": ("o1:1", "o1:1")}, ("removeLineIds", "1")),
        ({"remove_line_ids": ("o1:1", "o1:2")}, ("removeLineIds",)),
        ({"add_lines": (OrderLine("Z", 1, 1.0),)}, ("addLines", "0", "sku")),
        ({}, ("addLines",)),
        ({"reason": " "}, ("reason",)),
    ],
)
def test_bad_edits_name_their_field(changes: dict[str, object], field: tuple[str, ...]) -> None:
    base = {"order_id": "o1", "idempotency_key": "k", "reason": "why"} | changes
    with pytest.raises(InvalidInput) as error:
        decide(edits.EditRequest(**base))  # type: ignore[arg-type]
    assert error.value.field == field


def test_cancelled_and_fulfilled_orders_cannot_be_edited() -> None:
    for status in (OrderStatus.CANCELLED, OrderStatus.FULFILLED):
        with pytest.raises(InvalidTransition):
            decide(request(add_lines=(OrderLine("D", 1, 1.0),)), status=status)


def test_a_new_pickup_store_sources_every_unit_again() -> None:
    edit = decide(request(delivery=Delivery(FulfillmentMethod.PICKUP, "far")))
    assert edit.resource_all and edit.cancelled == {"f1": F.CANCELLED}
    assert edit.release == {("near", "A"): 2, ("near", "B"): 1}
    assert edit.wanted == (sourcing.Line("A", 2), sourcing.Line("B", 1))


def test_sourced_units_join_an_unlisted_fulfillment_at_their_location_else_a_new_one() -> None:
    edit = decide(request(add_lines=(OrderLine("D", 2, 5.0),)))
    placement = edits.place(edit, WORK, [("far", "D", 1), ("near", "D", 1)])
    assert placement.quantities == {"f1": {"A": 2, "B": 1, "D": 1}}
    assert [(loc, [(x.sku, x.quantity) for x in lines]) for loc, lines in placement.groups.items()] == [
        ("far", [("D", 1)])
    ]
    listed = (edits.Work("f1", "near", F.AWAITING_PICK, {"A": 2, "B": 1}, listed=True),)
    assert set(edits.place(edit, listed, [("near", "D", 2)]).groups) == {"near"}


def test_stock_moves_are_netted_per_position_in_lock_order() -> None:
    assert edits.moves({("near", "A"): 2, ("b", "A"): 1}, [("near", "A", 3), ("far", "B", 1)]) == [
        ("b", "A", -1),
        ("far", "B", 1),
        ("near", "A", 1),
    ]


def test_a_key_applies_once_and_another_input_under_it_conflicts() -> None:
    req = request(add_lines=(OrderLine("D", 1, 1.0),))
    assert not edits.already_applied([], req)
    assert edits.already_applied([("k", req.fingerprint())], req)
    with pytest.raises(IdempotencyConflict):
        edits.already_applied([("k", request(add_lines=(OrderLine("D", 2, 1.0),)).fingerprint())], req)


def test_the_merged_plan_keeps_old_reasons_for_what_stayed() -> None:
    old = sourcing.Plan("default", (sourcing.Allocation("near", "A", 2, ("close",)),), (), 3.0, ("placed",))
    fresh = sourcing.Plan("default", (sourcing.Allocation("far", "D", 1, ("only one",)),), (), 2.0, ("D at far",))
    merged = edits.merged_plan(old, fresh, [("far", "D", 1), ("near", "A", 2)], "Edit")
    assert [(a.location_id, a.reasons) for a in merged.allocations] == [("far", ("only one",)), ("near", ("close",))]
    assert merged.explanation == ("placed", "Edit", "D at far") and merged.estimated_cost == 5.0
