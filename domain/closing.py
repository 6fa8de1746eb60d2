"""A store closes for a while (flood, strike, inventory count): what stops, what moves, what stays.

- Closing stops promising there at once: an inactive location is no sourcing
  candidate and counts for no ATP. Reopening restores promising; nothing that
  moved away comes back.
- Work nobody has started there (AWAITING_PICK: not a unit picked or declared
  short, whether on an untouched pick list or none) is re-sourced elsewhere
  under the order's own delivery, all or nothing per fulfillment, and the
  closed store's fulfillment is cancelled (its pick lines are put back).
- Started work (PICKING, PICKED, PACKED, READY_FOR_COLLECTION) stays: the
  goods are already in the store's hands; the store lists it as usual.
- A fulfillment no other location can serve gets a STORE_CLOSED task:
  REROUTE tries again (refused while nothing can serve it), WAIT keeps it at
  the store until it reopens.
- Closing and reopening need a reason: it is told to every affected order.
"""

from __future__ import annotations

from domain.errors import InvalidInput
from domain.orders import FulfillmentStatus

MAX_REASON = 500
MOVABLE = frozenset({FulfillmentStatus.AWAITING_PICK})
KEPT = frozenset(
    {
        FulfillmentStatus.PICKING,
        FulfillmentStatus.PICKED,
        FulfillmentStatus.PACKED,
        FulfillmentStatus.READY_FOR_COLLECTION,
    }
)


def check_reason(reason: str) -> str:
    """The reason, trimmed: required, at most MAX_REASON characters."""
    text = reason.strip()
    if not text:
        raise InvalidInput("Give a reason: it is told to every affected order", ("input", "reason"))
    if len(text) > MAX_REASON:
        raise InvalidInput(f"The reason is at most {MAX_REASON} characters", ("input", "reason"), length=len(text))
    return text


def movable(status: FulfillmentStatus) -> bool:
    """Only work nobody has started moves; a started pick stays with the store."""
    return status in MOVABLE


def rerouted(location_id: str, reason: str, where: str) -> str:
    return f"Store {location_id} closed ({reason}): rerouted {where}"


def stranded(location_id: str, reason: str, what: str) -> str:
    return f"Store {location_id} closed ({reason}): no other location can serve {what} now; a task decides"


def what(quantities: dict[str, int]) -> str:
    return ", ".join(f"{sku} x{quantity}" for sku, quantity in sorted(quantities.items()) if quantity > 0)
