"""In-store pick and pack, configured per retailer as data: the door to its rules.

Each rule lives in the module named for it; this one gathers them so callers
read `picking.confirm`, `picking.check_handover`, `picking.PickList`:

- `domain.pick_process`: the process a store runs (mode, scan-to-pick, short
  pick policy, reason codes, steps) and its validation.
- `domain.pick_lists`: grouping work into pick lists, confirming picks, and
  the pick list's status machine (`PICK_LIST_TRANSITIONS`).
- `domain.short_picks`: units that could not be picked and the decision on them.
- `domain.pick_steps`: the steps after PICK, in order, up to the hand-over.
- `domain.collection`: collection codes for parcels waiting at a store.
- `domain.store_performance`: pick accuracy and on-time hand-overs.
"""

from __future__ import annotations

from domain.collection import (
    COLLECTION_ATTEMPTS,
    attempts_left,
    check_collection,
    check_reissue,
    code_digest,
    code_matches,
    new_collection_code,
    wrong_code,
)
from domain.pick_lists import (
    UNZONED,
    Confirmation,
    LineChange,
    LineState,
    PickLine,
    PickList,
    PickListStatus,
    PlannedLine,
    PlannedList,
    Work,
    confirm,
    list_status,
    plan_lists,
)
from domain.pick_process import (
    DEFAULT_BATCH,
    DEFAULT_PROCESS,
    DEFAULT_REASONS,
    HANDOVER,
    KNOWN_STEPS,
    LABEL,
    MAX_BATCH,
    PACK,
    PICK,
    REQUIRED_STEPS,
    UNSKIPPABLE,
    VAS,
    VERIFY,
    PickMode,
    PickProcess,
    ShortPickPolicy,
    validate_process,
)
from domain.pick_steps import (
    FulfillmentProgress,
    StepProgress,
    StepRecord,
    after_pick,
    check_handover,
    check_next,
    complete_step,
    skip_step,
)
from domain.short_picks import (
    PHANTOM_REASONS,
    Resolution,
    corrects_on_hand,
    nothing_left,
    pending_shorts,
    picked_units,
    reduced,
    resolve_shorts,
)
from domain.store_performance import StoreRecord, accuracy, on_time

__all__ = [
    "COLLECTION_ATTEMPTS",
    "DEFAULT_BATCH",
    "DEFAULT_PROCESS",
    "DEFAULT_REASONS",
    "HANDOVER",
    "KNOWN_STEPS",
    "LABEL",
    "MAX_BATCH",
    "PACK",
    "PHANTOM_REASONS",
    "PICK",
    "REQUIRED_STEPS",
    "UNSKIPPABLE",
    "UNZONED",
    "VAS",
    "VERIFY",
    "Confirmation",
    "FulfillmentProgress",
    "LineChange",
    "LineState",
    "PickLine",
    "PickList",
    "PickListStatus",
    "PickMode",
    "PickProcess",
    "PlannedLine",
    "PlannedList",
    "Resolution",
    "ShortPickPolicy",
    "StepProgress",
    "StepRecord",
    "StoreRecord",
    "Work",
    "accuracy",
    "after_pick",
    "attempts_left",
    "check_collection",
    "check_handover",
    "check_next",
    "check_reissue",
    "code_digest",
    "code_matches",
    "complete_step",
    "confirm",
    "corrects_on_hand",
    "list_status",
    "new_collection_code",
    "nothing_left",
    "on_time",
    "pending_shorts",
    "picked_units",
    "plan_lists",
    "reduced",
    "resolve_shorts",
    "skip_step",
    "validate_process",
    "wrong_code",
]
