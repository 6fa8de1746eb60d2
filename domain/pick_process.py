"""A pick process: how a retailer's stores pick and pack, configured as data.

It says how a store groups work into pick lists (`PickMode`), whether a pick
must be confirmed by scanning the item (`scan_to_pick`), what happens to
units that cannot be picked (`ShortPickPolicy`), which reason codes a short
pick may give, and the ordered steps after PICK. Steps start with PICK,
include PACK and end with HANDOVER; each step appears once.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from domain.errors import InvalidInput


class PickMode(enum.Enum):
    ORDER = "ORDER"
    ITEM = "ITEM"
    ZONE = "ZONE"
    CATEGORY = "CATEGORY"


class ShortPickPolicy(enum.Enum):
    REROUTE_NOW = "REROUTE_NOW"
    RESOLVE_LATER = "RESOLVE_LATER"


PICK = "PICK"
VERIFY = "VERIFY"
VAS = "VAS"
PACK = "PACK"
LABEL = "LABEL"
HANDOVER = "HANDOVER"
REQUIRED_STEPS = (PICK, PACK, HANDOVER)
KNOWN_STEPS = frozenset({PICK, VERIFY, VAS, PACK, LABEL, HANDOVER})
UNSKIPPABLE = frozenset({PICK, HANDOVER})
DEFAULT_REASONS = ("NOT_FOUND", "DAMAGED", "WRONG_ITEM")
DEFAULT_BATCH = 20  # fulfillments per ITEM / ZONE / CATEGORY list when the process sets no maximum
MAX_BATCH = 200


@dataclass(frozen=True, slots=True)
class PickProcess:
    id: str
    mode: PickMode = PickMode.ORDER
    scan_to_pick: bool = False
    short_pick_policy: ShortPickPolicy = ShortPickPolicy.RESOLVE_LATER
    steps: tuple[str, ...] = REQUIRED_STEPS
    reason_codes: tuple[str, ...] = DEFAULT_REASONS
    max_orders_per_list: int | None = None

    @property
    def batch_size(self) -> int:
        if self.mode is PickMode.ORDER:
            return 1
        return self.max_orders_per_list or DEFAULT_BATCH


DEFAULT_PROCESS = PickProcess("default")  # stores with no process assigned


def validate_process(process: PickProcess) -> PickProcess:
    """Raise InvalidInput naming the field for anything a store could not run."""
    if not process.id.strip():
        raise InvalidInput("id must not be empty", ("id",))
    unknown = [s for s in process.steps if s not in KNOWN_STEPS]
    if unknown:
        known = ", ".join(sorted(KNOWN_STEPS))
        raise InvalidInput(f"Unknown step {unknown[0]!r}; steps are {known}", ("steps",), step=unknown[0])
    if len(set(process.steps)) != len(process.steps):
        raise InvalidInput("A step appears twice", ("steps",))
    if not process.steps or process.steps[0] != PICK or process.steps[-1] != HANDOVER or PACK not in process.steps:
        raise InvalidInput("Steps start with PICK, include PACK and end with HANDOVER", ("steps",))
    if not process.reason_codes or any(not code.strip() for code in process.reason_codes):
        raise InvalidInput("At least one short-pick reason code, none empty", ("reasonCodes",))
    if process.max_orders_per_list is not None and not 1 <= process.max_orders_per_list <= MAX_BATCH:
        raise InvalidInput(f"maxOrdersPerList must be 1 to {MAX_BATCH}", ("maxOrdersPerList",))
    return process
