"""Pick processes as data: lists per mode, confirmations, shorts and steps, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain import picking
from domain.errors import InvalidInput, InvalidTransition, ScanMismatch, TooManyAttempts
from domain.picking import Confirmation, LineState, PickMode, PickProcess, StepProgress, Work

T0 = datetime(2026, 11, 27, 9, tzinfo=UTC)
ZONES = {"A": "z2", "B": "z1", "C": "z3", "D": "z1"}
CATEGORIES = {"A": "shoes", "B": "bags", "C": "shoes", "D": "hats"}


def six_orders() -> list[Work]:
    """Six fulfillments at one store, oldest first: o1 (A, B), o2 (C), o3 (A), o4 (B, D), o5 (D), o6 (A, C)."""
    carts = [["A", "B"], ["C"], ["A"], ["B", "D"], ["D"], ["A", "C"]]
    return [
        Work(f"f{n}", f"o{n}", sku, n, T0 + timedelta(minutes=n), ZONES[sku], CATEGORIES[sku])
        for n, cart in enumerate(carts, start=1)
        for sku in cart
    ]


def walk(planned: picking.PlannedList) -> list[tuple[str, str, int]]:
    return [(line.sku, line.fulfillment_id, line.slot) for line in planned.lines]


def test_order_mode_makes_one_list_per_fulfillment_oldest_first() -> None:
    lists = picking.plan_lists(PickProcess("p", PickMode.ORDER, max_orders_per_list=4), six_orders())
    assert [x.fulfillment_ids for x in lists] == [["f1"], ["f2"], ["f3"], ["f4"], ["f5"], ["f6"]]
    assert walk(lists[0]) == [("A", "f1", 1), ("B", "f1", 1)]


def test_item_mode_batches_and_walks_by_sku_with_the_split_to_sort() -> None:
    lists = picking.plan_lists(PickProcess("p", PickMode.ITEM, max_orders_per_list=4), six_orders())
    assert [x.fulfillment_ids for x in lists] == [["f1", "f2", "f3", "f4"], ["f5", "f6"]]
    assert walk(lists[0]) == [
        ("A", "f1", 1),
        ("A", "f3", 3),
        ("B", "f1", 1),
        ("B", "f4", 4),
        ("C", "f2", 2),
        ("D", "f4", 4),
    ]
    assert [line.group for line in lists[1].lines] == ["A", "C", "D"]


def test_zone_mode_walks_zone_by_zone() -> None:
    lists = picking.plan_lists(PickProcess("p", PickMode.ZONE, max_orders_per_list=3), six_orders())
    assert [x.fulfillment_ids for x in lists] == [["f1", "f2", "f3"], ["f4", "f5", "f6"]]
    assert [(line.group, line.sku, line.fulfillment_id) for line in lists[0].lines] == [
        ("z1", "B", "f1"),
        ("z2", "A", "f1"),
        ("z2", "A", "f3"),
        ("z3", "C", "f2"),
    ]


def test_category_mode_walks_category_by_category_and_unknown_categories_last() -> None:
    work = [*six_orders(), Work("f7", "o7", "E", 1, T0 + timedelta(minutes=7))]
    lists = picking.plan_lists(PickProcess("p", PickMode.CATEGORY), work)
    assert len(lists) == 1  # default batch of 20
    groups = [line.group for line in lists[0].lines]
    assert groups == sorted(groups) and groups[-1] == picking.UNZONED
    assert groups[:2] == ["bags", "bags"]


def test_a_process_must_be_runnable() -> None:
    with pytest.raises(InvalidInput, match="start with PICK"):
        picking.validate_process(PickProcess("p", steps=("PACK", "PICK", "HANDOVER")))
    with pytest.raises(InvalidInput, match="Unknown step"):
        picking.validate_process(PickProcess("p", steps=("PICK", "DANCE", "PACK", "HANDOVER")))
    with pytest.raises(InvalidInput, match="maxOrdersPerList"):
        picking.validate_process(PickProcess("p", max_orders_per_list=0))
    ok = PickProcess("p", steps=("PICK", "VERIFY", "VAS", "PACK", "LABEL", "HANDOVER"))
    assert picking.validate_process(ok) is ok


LINE = LineState("l1", "f1", "A", 3)
SCAN = PickProcess("p", scan_to_pick=True)
BARCODES = {"A": frozenset({"0001"})}


def test_scan_to_pick_refuses_a_wrong_or_missing_barcode() -> None:
    with pytest.raises(ScanMismatch) as wrong:
        picking.confirm(SCAN, [LINE], [Confirmation("l1", 1, "9999")], BARCODES)
    assert wrong.value.field == ("lines", "0", "scannedBarcode")
    with pytest.raises(ScanMismatch):
        picking.confirm(SCAN, [LINE], [Confirmation("l1", 1)], BARCODES)
    [change] = picking.confirm(SCAN, [LINE], [Confirmation("l1", 2, "0001")], BARCODES)
    assert (change.picked, change.after.open) == (2, 1)


def test_quantities_alone_confirm_without_scanning_and_over_picks_are_refused() -> None:
    process = PickProcess("p")
    [change] = picking.confirm(process, [LINE], [Confirmation("l1", 1), Confirmation("l1", 2)], {})
    assert change.after.resolved and change.picked == 3
    with pytest.raises(InvalidInput, match="Over-pick"):
        picking.confirm(process, [LINE], [Confirmation("l1", 4)], {})


def test_a_short_pick_needs_a_reason_from_the_process() -> None:
    process = PickProcess("p", reason_codes=("NOT_FOUND", "DAMAGED"))
    with pytest.raises(InvalidInput, match="not one of"):
        picking.confirm(process, [LINE], [Confirmation("l1", 1, short_reason="LAZY")], {})
    with pytest.raises(InvalidInput, match="shortReason"):
        picking.confirm(process, [LINE], [Confirmation("l1", 0)], {})
    [change] = picking.confirm(process, [LINE], [Confirmation("l1", 1, short_reason="NOT_FOUND")], {})
    assert (change.picked, change.short, change.after.resolved) == (1, 2, True)
    assert picking.corrects_on_hand("NOT_FOUND") and not picking.corrects_on_hand("WRONG_ITEM")
    with pytest.raises(InvalidTransition, match="already complete"):
        picking.confirm(process, [change.after], [Confirmation("l1", 1)], {})


def test_list_status_follows_its_lines() -> None:
    other = LineState("l2", "f2", "B", 1)
    assert picking.list_status([LINE, other]) is picking.PickListStatus.OPEN
    assert picking.list_status([LineState("l1", "f1", "A", 3, 1), other]) is picking.PickListStatus.IN_PROGRESS
    assert picking.list_status([LineState("l1", "f1", "A", 3, 3), other], frozenset({"f2"})) is (
        picking.PickListStatus.DONE
    )


STEPS = StepProgress(("PICK", "VERIFY", "VAS", "PACK", "HANDOVER"))


def test_steps_go_in_order_and_can_be_skipped_with_a_reason() -> None:
    picked = STEPS.record("PICK", "DONE", "ann", T0)
    with pytest.raises(InvalidTransition, match="not the next step"):
        picking.complete_step(picked, "PACK", "ann", T0, open_vas=0)
    verified = picking.skip_step(picked, "VERIFY", "ann", T0, "trusted picker", open_vas=0)
    assert verified.next_step == "VAS"
    with pytest.raises(InvalidTransition, match="VAS cannot be skipped"):
        picking.skip_step(verified, "VAS", "ann", T0, "busy", open_vas=1)
    with pytest.raises(InvalidTransition, match="still open"):
        picking.complete_step(verified, "VAS", "ann", T0, open_vas=1)
    packed = picking.complete_step(
        picking.complete_step(verified, "VAS", "ann", T0, open_vas=0), "PACK", "ann", T0, open_vas=0
    )
    assert packed.next_step == "HANDOVER"
    with pytest.raises(InvalidTransition, match="handOver"):
        picking.complete_step(packed, "HANDOVER", "ann", T0, open_vas=0)
    with pytest.raises(InvalidTransition, match="cannot be skipped"):
        picking.skip_step(packed, "HANDOVER", "ann", T0, "why not", open_vas=0)
    with pytest.raises(InvalidInput, match="trackingNumber"):
        picking.check_handover(packed, "SHIP", None, open_vas=0)
    picking.check_handover(packed, "PICKUP", None, open_vas=0)


def test_collection_codes_are_compared_by_digest() -> None:
    digest = picking.code_digest("123456")
    assert picking.code_matches("123456", digest)
    assert not picking.code_matches("123457", digest)
    assert not picking.code_matches("123456", None)
    assert picking.accuracy(0, 0) == 1.0 and picking.accuracy(3, 1) == 0.75


def test_performance_is_accuracy_times_punctuality() -> None:
    assert picking.StoreRecord().performance == 1.0
    record = picking.StoreRecord(lines_picked=9, lines_short=1, handovers=4, handovers_on_time=3)
    assert (record.pick_accuracy, record.on_time_rate, record.performance) == (0.9, 0.75, 0.68)
    assert picking.on_time(T0, T0 + timedelta(hours=4), None)
    assert not picking.on_time(T0, T0 + timedelta(hours=2, minutes=1), 2.0)


def test_a_supervisor_decision_sets_the_new_quantities_and_what_goes_back() -> None:
    lines = [
        LineState("l1", "f1", "A", 3, picked=1, short=2, short_reason="NOT_FOUND"),
        LineState("l2", "f1", "B", 1, 1),
    ]
    quantities = {"A": 3, "B": 1}
    assert picking.pending_shorts(lines, quantities) == {"A": 2}
    assert picking.resolve_shorts("PARTIAL", quantities, lines) == picking.Resolution({"A": 1}, {})
    assert picking.resolve_shorts("CANCEL_LINE", quantities, lines) == picking.Resolution({"A": 0}, {"A": 1})
    assert picking.pending_shorts(lines, {"A": 1, "B": 1}) == {}  # already decided
    status, progress = picking.after_pick(STEPS, quantities, services=False, by="ann", at=T0)
    assert (status.value, progress.next_step) == ("PICKED", "VERIFY")
    assert picking.after_pick(STEPS, {"A": 0}, services=False, by="ann", at=T0)[0].value == "CANCELLED"


def test_a_collection_code_is_checked_while_the_parcel_waits_and_locks_after_five_wrong_codes() -> None:
    from domain.orders import FulfillmentStatus

    ready = FulfillmentStatus.READY_FOR_COLLECTION
    digest = picking.code_digest("042017")
    assert picking.check_collection("f1", ready, " 042017 ", digest, failures=4) is True
    assert picking.check_collection("f1", ready, "042018", digest, failures=0) is False
    with pytest.raises(TooManyAttempts):
        picking.check_collection("f1", ready, "042017", digest, failures=picking.COLLECTION_ATTEMPTS)
    with pytest.raises(InvalidTransition):
        picking.check_collection("f1", FulfillmentStatus.PACKED, "042017", digest, failures=0)
    assert [picking.wrong_code("f1", n).message for n in (1, 4)] == [
        "Wrong collection code; 4 attempts left",
        "Wrong collection code; 1 attempt left",
    ]
    assert isinstance(picking.wrong_code("f1", 5), TooManyAttempts)
    assert [picking.attempts_left(ready, n) for n in (0, 3, 5, 9)] == [5, 2, 0, 0]
    assert picking.attempts_left(FulfillmentStatus.COLLECTED, 2) is None
    picking.check_reissue("f1", ready)
    with pytest.raises(InvalidTransition):
        picking.check_reissue("f1", FulfillmentStatus.COLLECTED)
    assert picking.new_collection_code(lambda below: 4217) == "004217"
