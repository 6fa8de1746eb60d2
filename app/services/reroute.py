"""Re-sourcing units a store could not pick, through the same engine, never back to that store.

Used at once by a REROUTE_NOW pick process, or when a supervisor resolves a
PICK_EXCEPTION with REROUTE. Either every missing unit is reserved elsewhere
or nothing is (a partial reroute would leave the customer guessing).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.resources import Resources
from app.services import checkout, vas
from app.services import sourcing as routing
from app.services.inventory import AVAILABILITY_TOPIC
from app.services.orders import new_id
from app.services.uow import UnitOfWork
from app.store import counters
from app.store import fulfillments as fulfillment_store
from app.store import orders as order_store
from app.store import reservations as reservation_store
from domain import orders as rules
from domain import sourcing
from domain.ledger import Cause, Why


@dataclass(frozen=True, slots=True)
class Rerouted:
    takes: list[tuple[str, str, int]]  # (location, sku, quantity)
    fulfillment_ids: list[str]

    def describe(self) -> str:
        return "; ".join(f"{sku} x{quantity} to {loc}" for loc, sku, quantity in self.takes)


async def reroute(
    uow: UnitOfWork, resources: Resources, *, order_id: str, away_from: str, missing: dict[str, int]
) -> Rerouted | None:
    """Reserve the missing units at other locations and add fulfillments there; None when that cannot be done."""
    order = (await order_store.orders_by_id(uow.conn, [order_id]))[order_id]
    why = Why(Cause.REROUTE, order_id)
    ask = routing.Ask(
        channel=order.channel,
        market=order.market,
        lines=tuple(sourcing.Line(sku, quantity) for sku, quantity in sorted(missing.items()) if quantity > 0),
        method=order.delivery.method,
        destination=order.delivery.geo,
        pickup_location_id=order.delivery.pickup_location_id,
        segment=order.customer.segment,
        excluded=frozenset({away_from}),
    )
    inputs = await routing.gather(uow.conn, resources, ask, uow.now)
    plan = routing.run(inputs)
    if not plan.complete:
        return None
    takes = sorted((a.location_id, a.sku, a.quantity) for a in plan.allocations)
    await checkout.expire_lapsed(uow, takes)  # holds past their time still counted in `reserved` there
    done: list[tuple[str, str, int]] = []
    for location_id, sku, quantity in takes:
        held = inputs.held.get((location_id, sku), 0)
        if not await reservation_store.reserve(
            uow.conn, sku=sku, location_id=location_id, quantity=quantity, held=held, now=uow.now, why=why
        ):
            for loc, taken_sku, taken in done:  # all or nothing
                await reservation_store.release(uow.conn, taken_sku, loc, taken, uow.now, why=why)
            return None
        done.append((location_id, sku, quantity))
    groups = rules.fulfillment_lines(takes)
    claims = checkout.capacity_claims(resources.availability.cache.locations, groups, uow.now)
    for index, claim in enumerate(claims):
        if not await counters.claim_capacity(uow.conn, claim, uow.now):  # full since the read: all or nothing
            await counters.give_back_all(uow.conn, [(x.location_id, x.day) for x in claims[:index]])
            for loc, taken_sku, taken in done:
                await reservation_store.release(uow.conn, taken_sku, loc, taken, uow.now, why=why)
            return None
    ids = {loc: new_id("ful") for loc in groups}
    await fulfillment_store.add_fulfillments(
        uow.conn,
        order_id=order_id,
        method=order.delivery.method,
        groups=groups,
        ids=ids,
        now=uow.now,
        capacity_days={x.location_id: x.day for x in claims},
    )
    await vas.open_tasks(uow, order_id, order.lines, groups, ids)
    uow.emit(AVAILABILITY_TOPIC, {"skus": sorted({sku for _, sku, _ in takes})})
    return Rerouted(takes, list(ids.values()))
