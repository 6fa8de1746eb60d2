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
    listed = set(message.get("skus", ()))
    return [sku for sku in wanted if sku in listed]


async def watch_availability(resources: Resources, keys: Sequence[AvailabilityKey]) -> AsyncIterator[SkuAvailability]:
    by_sku = {k.sku: k for k in keys}
    async with resources.broker.hub.listen(AVAILABILITY_TOPIC) as queue:
        # Listen first, then read the baseline: a change in between is seen either way.
        last = {a.sku: a for a in await resources.availability.read(keys)}
        while True:
            message = await queue.get()
            hit = affected(message, list(by_sku))
            if not hit:
                continue
            for current in await resources.shared_reads.read(message, [by_sku[s] for s in hit]):
                if last.get(current.sku) != current:
                    last[current.sku] = current
                    yield current
