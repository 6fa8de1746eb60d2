"""Backorder rules: which inbound may be promised, earliest ETA first, and which lines wait for it."""

from __future__ import annotations

from datetime import UTC, datetime

from domain import backorders
from domain.inventory import Position
from domain.orders import OrderLine

SOON = datetime(2026, 12, 1, tzinfo=UTC)
LATER = datetime(2026, 12, 9, tzinfo=UTC)


def test_inbound_candidates_cover_the_units_at_eligible_locations_earliest_eta_first() -> None:
    found = [
        Position("A", "late", inbound=9, inbound_eta=LATER),
        Position("A", "none", inbound=9),
        Position("A", "soon", inbound=9, inbound_eta=SOON),
        Position("A", "small", inbound=1, inbound_eta=SOON),
        Position("A", "closed", inbound=9, inbound_eta=SOON),
    ]
    where = {"late", "none", "soon", "small"}
    assert [p.location_id for p in backorders.inbound_candidates(found, 3, where)] == ["soon", "late", "none"]


def test_short_units_go_to_a_skus_last_lines_first() -> None:
    lines = [OrderLine("A", 2, 1.0), OrderLine("B", 1, 1.0), OrderLine("A", 2, 1.0)]
    promise = backorders.Promise("s1", "A", 3, SOON)
    assert backorders.line_backorders(lines, [promise]) == {3: (2, SOON), 1: (1, SOON)}
    assert backorders.short_units([("A", 1), ("B", 2), ("A", 2)]) == {"A": 3, "B": 2}


def test_held_units_are_the_plans_allocations_per_position_and_the_message_says_where() -> None:
    held = backorders.held_units([("s2", "A", 1), ("s1", "B", 2), ("s2", "A", 2)])
    assert held == {("s1", "B"): 2, ("s2", "A"): 3}
    message = backorders.promised([backorders.Promise("s1", "A", 2, SOON)], held)
    assert message == (
        f"Backordered: 2 x A against inbound at s1 (ETA {SOON.isoformat()}); held in stock: 2 x B at s1, 3 x A at s2;"
        " stock is allocated when it arrives"
    )
    assert "held in stock" not in backorders.promised([backorders.Promise("s1", "A", 2, None)], {})
