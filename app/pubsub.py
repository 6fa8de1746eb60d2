"""Publish/subscribe for GraphQL subscriptions, in-process or through Redis.

Each replica keeps one local hub that fans a topic's messages out to the
subscriptions it serves. Without Redis, publishing dispatches straight to the
hub; with Redis, publishing goes to a Redis channel and every replica's single
reader task dispatches what it receives to its own hub, so one Redis
connection serves any number of subscribers.

Messages are published only after the transaction that caused them commits.

A Redis that stops answering (frozen, partitioned) never holds a request:
publishing is queued, and a publish that gets no answer within
`REDIS_TIMEOUT_SECONDS` is dispatched to this replica's own subscribers
instead, as is everything published for the next `DEGRADED_SECONDS`, then
Redis is tried again (the probe in tests/api/test_faults_redis_api.py). While
degraded, subscribers on other replicas miss this replica's messages; a
publish that timed out may still reach Redis when it wakes, so a subscriber
may see that one message twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any, Protocol

import redis.asyncio as aioredis

log = logging.getLogger(__name__)

QUEUE_SIZE = 1000
REDIS_TIMEOUT_SECONDS = 1.0  # a publish or ping that takes longer: Redis counts as down
START_WAIT_SECONDS = 5.0  # how long start-up waits for Redis before serving degraded
DEGRADED_SECONDS = 2.0  # after a failure, messages stay in-process this long before Redis is tried again
Message = dict[str, Any]


class Hub:
    """Local fan-out from a topic to every queue listening on it."""

    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue[Message]]] = defaultdict(set)

    def dispatch(self, topic: str, message: Message) -> None:
        for queue in list(self._queues.get(topic, ())):
            try:
                queue.put_nowait(message)
            except asyncio.QueueFull:
                log.warning("subscriber queue full; dropping a %s message", topic)

    @contextlib.asynccontextmanager
    async def listen(self, topic: str) -> AsyncIterator[asyncio.Queue[Message]]:
        queue: asyncio.Queue[Message] = asyncio.Queue(QUEUE_SIZE)
        self._queues[topic].add(queue)
        try:
            yield queue
        finally:
            self._queues[topic].discard(queue)

    def listeners(self, topic: str) -> int:
        return len(self._queues.get(topic, ()))


class Broker(Protocol):
    hub: Hub

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def publish(self, topic: str, message: Message) -> None: ...
    async def ping(self) -> None: ...


class InProcessBroker:
    def __init__(self) -> None:
        self.hub = Hub()

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, topic: str, message: Message) -> None:
        self.hub.dispatch(topic, message)

    async def ping(self) -> None:
        return None


class RedisBroker:
    """Fans messages out across replicas through Redis pub/sub.

    Publishing never makes a request wait on Redis: messages go to an outgoing
    queue that one task drains, pipelining whatever has accumulated into a
    single round trip, in order.
    """

    def __init__(self, url: str, prefix: str) -> None:
        self.hub = Hub()
        self._url = url
        self._prefix = prefix + ":"
        self._redis: aioredis.Redis | None = None
        self._reader: asyncio.Task[None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._outgoing: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._ready = asyncio.Event()
        self._degraded_until = 0.0

    async def start(self) -> None:
        """Subscribe before serving; a Redis that does not answer within START_WAIT_SECONDS does not stop the
        replica: it serves with in-process events (degraded) while the reader keeps trying, and joins the
        other replicas' events once Redis answers."""
        self._redis = aioredis.from_url(self._url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
        self._reader = asyncio.create_task(self._read(), name="redis-pubsub-reader")
        self._writer = asyncio.create_task(self._write(), name="redis-pubsub-writer")
        try:
            await asyncio.wait_for(self._ready.wait(), timeout=START_WAIT_SECONDS)
        except TimeoutError:
            log.warning("redis unreachable at start-up: serving with in-process events until it answers")
            self._degraded_until = asyncio.get_running_loop().time() + DEGRADED_SECONDS

    async def _write(self) -> None:
        assert self._redis is not None
        while True:
            batch = [await self._outgoing.get()]
            while not self._outgoing.empty():
                batch.append(self._outgoing.get_nowait())
            try:
                if not await self._published(batch):
                    for channel, body in batch:  # degraded: this replica's own subscribers still hear it
                        self.hub.dispatch(channel.removeprefix(self._prefix), json.loads(body))
            finally:
                for _ in batch:
                    self._outgoing.task_done()

    async def _published(self, batch: list[tuple[str, str]]) -> bool:
        """Publish through Redis; False (and in-process for a while) when it fails or does not answer in time."""
        assert self._redis is not None
        loop = asyncio.get_running_loop()
        if loop.time() < self._degraded_until:
            return False
        try:
            async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
                async with self._redis.pipeline(transaction=False) as pipe:
                    for channel, body in batch:
                        pipe.publish(channel, body)
                    await pipe.execute()
            return True
        except Exception as error:  # noqa: BLE001 - any failure degrades, none stops the writer
            log.warning("redis publish failed (%s): in-process for %.0f s", type(error).__name__, DEGRADED_SECONDS)
            self._degraded_until = loop.time() + DEGRADED_SECONDS
            return False

    async def _read(self) -> None:
        assert self._redis is not None
        while True:
            try:
                async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.psubscribe(self._prefix + "*")
                    self._ready.set()
                    async for raw in pubsub.listen():
                        self._deliver(raw)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - any failure: reconnect, never stop reading
                log.warning("redis pub/sub reader failed (%s: %s); reconnecting in 1 s", type(error).__name__, error)
                await asyncio.sleep(1)

    def _deliver(self, raw: dict[str, Any]) -> None:
        if raw.get("type") != "pmessage":
            return
        channel = raw["channel"].decode() if isinstance(raw["channel"], bytes) else raw["channel"]
        self.hub.dispatch(channel.removeprefix(self._prefix), json.loads(raw["data"]))

    async def publish(self, topic: str, message: Message) -> None:
        assert self._redis is not None, "broker not started"
        self._outgoing.put_nowait((self._prefix + topic, json.dumps(message)))

    async def ping(self) -> None:
        assert self._redis is not None, "broker not started"
        await asyncio.wait_for(self._redis.ping(), timeout=REDIS_TIMEOUT_SECONDS)

    async def stop(self) -> None:
        if self._writer is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._outgoing.join(), timeout=5)  # deliver what was published
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._redis is not None:
            await self._redis.aclose()


def make_broker(redis_url: str | None, prefix: str) -> Broker:
    return RedisBroker(redis_url, prefix) if redis_url else InProcessBroker()
