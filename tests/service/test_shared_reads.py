"""Subscribers woken by one change message share one read per key, and the change check is made once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from app.services.availability import AvailabilityKey, Reading, SharedReads
from domain.atp import SkuAvailability
from resolvers.availability import SharedNodes

KEY = AvailabilityKey("sku-1", "web", "US")


class SlowReader:
    """Stands for the availability reader: counts reads, answers with the stock set on it."""

    def __init__(self) -> None:
        self.reads = 0
        self.market = "US"
        self.release = asyncio.Event()

    async def read(self, keys: Sequence[AvailabilityKey]) -> list[SkuAvailability]:
        self.reads += 1
        await self.release.wait()
        return [SkuAvailability(k.sku, k.channel, self.market) for k in keys]


def shared(reader: SlowReader) -> SharedReads:
    return SharedReads(reader)  # type: ignore[arg-type]


async def test_every_subscriber_woken_by_one_message_shares_one_read() -> None:
    reader = SlowReader()
    reads = shared(reader)
    message: dict[str, Any] = {"skus": ["sku-1"]}
    waiters = [asyncio.ensure_future(reads.reading(message, KEY)) for _ in range(5)]
    reader.release.set()
    found = await asyncio.gather(*waiters)
    assert reader.reads == 1
    assert all(r is found[0] for r in found)
    assert reads.reading({"skus": ["sku-1"]}, KEY) is not reads.reading(message, KEY)  # a later message reads anew


async def test_a_cancelled_subscriber_does_not_cancel_the_read_for_the_others() -> None:
    reader = SlowReader()
    reads = shared(reader)
    message: dict[str, Any] = {"skus": ["sku-1"]}

    async def subscriber() -> Reading:
        return await reads.reading(message, KEY)

    leaving, staying = asyncio.create_task(subscriber()), asyncio.create_task(subscriber())
    await asyncio.sleep(0)
    leaving.cancel()
    reader.release.set()
    assert (await staying).value.sku == "sku-1"
    await asyncio.gather(leaving, return_exceptions=True)
    assert leaving.cancelled()


async def test_the_change_is_decided_against_the_previous_shared_value_and_a_late_joiners_own_baseline() -> None:
    reader = SlowReader()
    reader.release.set()
    reads = shared(reader)
    first = await reads.reading(object(), KEY)
    assert first.previous is None and first.changed_since(None)
    same = await reads.reading(object(), KEY)
    assert same.previous is first.value and same.same
    assert not same.changed_since(first.value)  # decided once, without comparing
    assert not same.changed_since(SkuAvailability("sku-1", "web", "US"))  # an equal baseline of its own
    reader.market = "CA"
    moved = await reads.reading(object(), KEY)
    assert moved.changed_since(same.value)
    assert moved.changed_since(SkuAvailability("sku-1", "web", "US"))
    assert not moved.changed_since(SkuAvailability("sku-1", "web", "CA"))


def test_subscribers_handed_the_same_value_share_its_node() -> None:
    nodes = SharedNodes()
    value = SkuAvailability("sku-1", "web", "US")
    assert nodes.node(value) is nodes.node(value)
    other = nodes.node(SkuAvailability("sku-1", "web", "US"))
    assert other is not nodes.node(value) and other.sku == "sku-1"
