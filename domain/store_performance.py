"""Store performance: how well a location picks and how often it hands over on time.

Pick accuracy is the share of pick lines completed without a short; on-time
is the share of hand-overs within the location's turnaround. Their product is
sourcing's performance criterion: stores that short-pick or run late receive
less work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.fulfillment import DEFAULT_TURNAROUND_HOURS


def accuracy(lines_picked: int, lines_short: int) -> float:
    """Share of pick lines completed without a short; 1.0 until anything is recorded."""
    total = lines_picked + lines_short
    return 1.0 if total == 0 else round(lines_picked / total, 4)


@dataclass(frozen=True, slots=True)
class StoreRecord:
    """What pick and pack measured at a location."""

    lines_picked: int = 0
    lines_short: int = 0
    handovers: int = 0
    handovers_on_time: int = 0

    @property
    def pick_accuracy(self) -> float:
        return accuracy(self.lines_picked, self.lines_short)

    @property
    def on_time_rate(self) -> float:
        """Share of hand-overs within the location's turnaround; 1.0 until any."""
        return 1.0 if self.handovers == 0 else round(self.handovers_on_time / self.handovers, 4)

    @property
    def performance(self) -> float:
        """Sourcing's performance criterion: stores that short-pick or run late receive less work."""
        return round(self.pick_accuracy * self.on_time_rate, 2)


def on_time(created_at: datetime, handed_over_at: datetime, turnaround_hours: float | None) -> bool:
    return handed_over_at - created_at <= timedelta(hours=turnaround_hours or DEFAULT_TURNAROUND_HOURS)
