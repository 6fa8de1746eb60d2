"""Every status machine walked: each allowed (from, to) pair passes, every other pair is refused.

The allowed pairs are written out here, not read from the tables, so a change to
a table is a change to this test too. Simulations have no status machine yet.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Callable
from typing import TypeVar

import pytest

from domain import holds, orders, pick_lists, tasks
from domain.errors import InvalidTransition
from domain.holds import HoldStatus as H
from domain.orders import FulfillmentStatus as F
from domain.orders import OrderStatus as O
from domain.pick_lists import PickListStatus as P
from domain.tasks import TaskStatus as T

S = TypeVar("S", bound=enum.Enum)

ORDER_MOVES = {
    (O.ON_HOLD, O.ALLOCATED),
    (O.ON_HOLD, O.IN_FULFILLMENT),
    (O.ON_HOLD, O.PARTIALLY_FULFILLED),
    (O.ON_HOLD, O.FULFILLED),
    (O.ON_HOLD, O.CANCELLED),
    (O.BACKORDERED, O.ALLOCATED),  # a pre-order released whole
    (O.BACKORDERED, O.CANCELLED),
    (O.ALLOCATED, O.IN_FULFILLMENT),
    (O.ALLOCATED, O.CANCELLED),
    (O.IN_FULFILLMENT, O.ALLOCATED),
    (O.IN_FULFILLMENT, O.PARTIALLY_FULFILLED),
    (O.IN_FULFILLMENT, O.FULFILLED),
    (O.IN_FULFILLMENT, O.CANCELLED),
    (O.PARTIALLY_FULFILLED, O.FULFILLED),
}
FULFILLMENT_MOVES = {
    (F.AWAITING_PICK, F.PICKING),
    (F.AWAITING_PICK, F.PICKED),
    (F.AWAITING_PICK, F.CANCELLED),
    (F.PICKING, F.PICKED),
    (F.PICKING, F.AWAITING_PICK),
    (F.PICKING, F.CANCELLED),
    (F.PICKED, F.PACKED),
    (F.PICKED, F.SHIPPED),
    (F.PICKED, F.READY_FOR_COLLECTION),
    (F.PICKED, F.CANCELLED),
    (F.PACKED, F.SHIPPED),
    (F.PACKED, F.READY_FOR_COLLECTION),
    (F.PACKED, F.CANCELLED),
    (F.READY_FOR_COLLECTION, F.COLLECTED),
    (F.READY_FOR_COLLECTION, F.CANCELLED),
    (F.PICKED, F.IN_TRANSIT),  # a transfer leg ships to the pickup store
    (F.PACKED, F.IN_TRANSIT),
    (F.IN_TRANSIT, F.RECEIVED),  # it arrives even when its order was cancelled on the way
    (F.AWAITING_TRANSFER, F.READY_FOR_COLLECTION),  # the store received it
    (F.AWAITING_TRANSFER, F.CANCELLED),
}
TASK_MOVES = {
    (T.OPEN, T.CLAIMED),
    (T.OPEN, T.DONE),
    (T.OPEN, T.CANCELLED),
    (T.CLAIMED, T.DONE),
    (T.CLAIMED, T.CANCELLED),
}
PICK_LIST_MOVES = {
    (P.OPEN, P.IN_PROGRESS),
    (P.OPEN, P.DONE),
    (P.IN_PROGRESS, P.OPEN),
    (P.IN_PROGRESS, P.DONE),
}

HOLD_MOVES = {(H.ACTIVE, H.RELEASED), (H.ACTIVE, H.EXPIRED), (H.ACTIVE, H.CONVERTED)}


def walk(statuses: type[S], allowed: set[tuple[S, S]], move: Callable[[S, S], object]) -> None:
    for current, target in itertools.product(statuses, repeat=2):
        if (current, target) in allowed:
            assert move(current, target) is target, (current, target)
        else:
            with pytest.raises(InvalidTransition) as refused:
                move(current, target)
            assert refused.value.code == "INVALID_TRANSITION", (current, target)


def test_an_order_moves_only_along_its_table() -> None:
    walk(O, ORDER_MOVES, orders.order_transition)


def test_a_fulfillment_moves_only_along_its_table() -> None:
    walk(F, FULFILLMENT_MOVES, orders.transition)


def test_a_task_moves_only_along_its_table() -> None:
    walk(T, TASK_MOVES, lambda current, target: tasks.transition("tsk_1", current, target))


def test_a_pick_list_moves_only_along_its_table() -> None:
    walk(P, PICK_LIST_MOVES, lambda current, target: pick_lists.transition("pl_1", current, target))


def test_a_checkout_hold_moves_only_along_its_table() -> None:
    walk(H, HOLD_MOVES, holds.transition)


def test_a_claimed_task_is_refused_with_the_words_claiming_used() -> None:
    with pytest.raises(InvalidTransition, match="Task tsk_1 is CLAIMED: only an OPEN task can be claimed"):
        tasks.transition("tsk_1", T.CLAIMED, T.CLAIMED)
    with pytest.raises(InvalidTransition, match=r"^Task tsk_1 is DONE$"):
        tasks.transition("tsk_1", T.DONE, T.DONE)


def test_live_tasks_are_those_with_a_move_left() -> None:
    assert {T.OPEN, T.CLAIMED} == tasks.LIVE


def test_only_a_done_pick_list_refuses_confirmations() -> None:
    for status in (P.OPEN, P.IN_PROGRESS):
        pick_lists.check_open("pl_1", status)
    with pytest.raises(InvalidTransition, match="Pick list pl_1 is already done"):
        pick_lists.check_open("pl_1", P.DONE)


def test_cancelling_an_order_moves_each_fulfillment_through_its_table() -> None:
    before = {"a": F.AWAITING_PICK, "b": F.SHIPPED, "c": F.READY_FOR_COLLECTION, "d": F.CANCELLED}
    assert orders.cancelled(before) == {"a": F.CANCELLED, "c": F.CANCELLED}
    transfer = {"leg": F.IN_TRANSIT, "pickup": F.AWAITING_TRANSFER}
    assert orders.cancelled(transfer) == {"pickup": F.CANCELLED}  # what is on the road arrives anyway
