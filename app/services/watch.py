"""Live availability for subscriptions: recompute on change messages, push only real changes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from app.pubsub import Message
from app.resources import Resources
from app.services.availability import AvailabilityKey
from app.services.inventory import AVAILABILITY_TOPIC
from domain.atp import SkuAvailability


def affected(message: Message, wanted: Sequence[str]) -> list[str]:
    """The watched SKUs a change message may have moved (rule changes can move many)."""
    if message.get("all") or message.get("category"):
        return list(wanted)
    listed = message.get("skus", ())
    if len(wanted) == 1:  # the usual subscription: one SKU
        return list(wanted) if wanted[0] in listed else []
    listed = set(listed)
    return [sku for sku in wanted if sku in listed]


async def watch_availability(resources: Resources, keys: Sequence[AvailabilityKey]) -> AsyncIterator[SkuAvailability]:
    by_sku = {k.sku: k for k in keys}
    wanted = list(by_sku)
    shared = resources.shared_reads
    async with resources.broker.hub.listen(AVAILABILITY_TOPIC) as queue:
        # Listen first, then read the baseline: a change in between is seen either way.
        last = {a.sku: a for a in await resources.availability.read(keys)}
        while True:
            message = await queue.get()
            # Every subscriber woken by this message shares these reads; all start before any is awaited.
            readings = [(sku, shared.reading(message, by_sku[sku])) for sku in affected(message, wanted)]
            for sku, pending in readings:
                reading = await pending
                changed = reading.changed_since(last.get(sku))
                last[sku] = reading.value  # equal to the last one sent when unchanged: same baseline
                if changed:
                    yield reading.value
