"""Ship-to-store transfers: a pickup store that lacks the cart is sent it by another location.

The rules:
- Only for a PICKUP whose store cannot serve the whole cart from its own
  shelf, and only when the order's profile says `allow_transfers` (off by
  default: a profile written before transfers keeps its behaviour).
- One location sends the whole cart, in one transfer. The shopper collects
  once, so stock the store holds for part of the cart would wait for the
  transfer anyway; one parcel moves fewer units between shelves.
- The source is chosen by the sourcing engine as a SHIP to the store: it
  passes the same hard filters (active, serves the market, ships, a type the
  profile allows, within the profile's distance of the store, under its
  daily capacity), holds every line in full, and ranks best (distance to the
  store first among the profile's weights). The plan's explanation says why
  the store could not serve it, which location sends it, and why the others
  do not (filtered out, lower score, cannot send everything).
- Timing: ready at the store = now + the source's turnaround + transit + the
  store's turnaround. Transit between locations follows the SHIP model: one
  day per started 800 km, at least one day (a truck between shelves, not a
  courier).
- Stock: the source reserves the units like any fulfillment and they leave
  its books when the leg ships. When the store receives the transfer, the
  units join its shelf reserved for the pickup (on hand and reserved rise
  together, so its ATP does not move); collecting takes them out as any
  pickup. A transfer received for a cancelled pickup stays on the shelf,
  unreserved. A pickup slot booked with it starts no sooner than it is ready.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from domain import fulfillment, sourcing
from domain.errors import InvalidInput, InvalidTransition, SlotFull
from domain.geo import distance_km
from domain.locations import FulfillmentMethod, Location
from domain.orders import FulfillmentStatus
from domain.profiles import SourcingProfile

F = FulfillmentStatus


@dataclass(frozen=True, slots=True)
class Transfer:
    """A pickup served by a transfer: the plan at the source, and where it goes."""

    source: Location
    store: Location
    plan: sourcing.Plan
    distance_km: float

    def transit_hours(self) -> float:
        return fulfillment.transit_hours(FulfillmentMethod.SHIP, self.distance_km)

    def ready_by(self, now: datetime) -> datetime:
        """When the pickup can be collected: source turnaround, transit, store turnaround."""
        hours = fulfillment.turnaround(self.source) + self.transit_hours() + fulfillment.turnaround(self.store)
        return now + timedelta(hours=hours)


def find(
    candidates: Sequence[sourcing.Candidate],
    request: sourcing.Request,
    profile: SourcingProfile,
    store: Location,
    store_plan: sourcing.Plan,
) -> Transfer | None:
    """The transfer serving a pickup the store cannot serve itself; None when none can (or may).

    `candidates` are every location holding the cart (their distances are
    recomputed to the store); `store_plan` is the store's own, incomplete plan."""
    if not profile.allow_transfers or request.method is not FulfillmentMethod.PICKUP or store_plan.complete:
        return None
    senders = [
        replace(c, distance_km=distance_km(store.geo, c.location.geo)) for c in candidates if c.location.id != store.id
    ]
    ask = sourcing.Request(request.lines, FulfillmentMethod.SHIP, request.market, store.geo, None, request.excluded)
    found = sourcing.plan(senders, ask, replace(profile, max_shipments=1))
    if not found.complete or not found.allocations:
        return None
    source = next(c for c in senders if c.location.id == found.allocations[0].location_id)
    transfer = Transfer(source.location, store, found, source.distance_km or 0.0)
    return replace(transfer, plan=replace(found, explanation=_explain(transfer, store_plan)))


def _explain(transfer: Transfer, store_plan: sourcing.Plan) -> tuple[str, ...]:
    store, source = transfer.store, transfer.source
    short = ", ".join(f"{x.sku} x{x.quantity}" for x in store_plan.unallocated[:3])
    days = transfer.transit_hours() / 24
    return (
        f"Pickup at {store.id} ({store.name}) by transfer: the store cannot serve {short} from its own shelf, "
        "and the profile allows transfers, so one location sends the whole cart there.",
        *transfer.plan.explanation,
        f"Transfer from {source.id} to {store.id}: {transfer.distance_km:,.0f} km, {days:g} day(s) in transit, "
        "then the store's turnaround before collection.",
    )


def check_slot(transfer: Transfer, starts_at: datetime, now: datetime, field: tuple[str, ...]) -> None:
    """A pickup slot booked for a transfer starts no sooner than the transfer can be collected."""
    ready = transfer.ready_by(now)
    if starts_at < ready:
        raise SlotFull(
            f"That pickup slot starts before the transfer from {transfer.source.id} can be collected "
            f"(ready by {ready.isoformat(timespec='minutes')}); choose a later one",
            field,
        )


def receivable(fulfillment_id: str, leg: FulfillmentStatus) -> bool:
    """Whether receiving this pickup's transfer is news (the leg arrives); False when it was received already.
    A leg not shipped yet, or cancelled with its order before shipping, cannot be received."""
    if leg is F.RECEIVED:
        return False
    if leg is not F.IN_TRANSIT:
        raise InvalidTransition(
            f"The transfer for {fulfillment_id} is {leg.value}: it can be received once shipped",
            ("fulfillmentId",),
            current=leg.value,
        )
    return True


def check_pickup(fulfillment_id: str, transfer_from: str | None) -> str:
    """The fulfillment is a pickup served by a transfer: its source; otherwise a clear refusal."""
    if transfer_from is None:
        raise InvalidInput(
            f"Fulfillment {fulfillment_id} is not a pickup waiting for a transfer; scan the store's pickup",
            ("fulfillmentId",),
        )
    return transfer_from


def check_short_outcome(leg_id: str, outcome: str) -> None:
    """A transfer leg's short units are never sent from elsewhere: the store's pickup waits for exactly what
    the leg brings, so a supervisor keeps what was picked (PARTIAL) or cancels the lines (CANCEL_LINE), and
    the pickup follows the leg."""
    if outcome == "REROUTE":
        raise InvalidInput(
            f"{leg_id} is a transfer to a pickup store: its short units cannot be sent from elsewhere; "
            "choose PARTIAL or CANCEL_LINE",
            ("outcome",),
        )
