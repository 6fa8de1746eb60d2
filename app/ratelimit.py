"""Per-principal rate limits: a token bucket, in Redis when configured (shared by replicas), else in memory.

A bucket holds up to `burst` requests and refills at `per_minute / 60` a
second; an empty bucket answers how long until the next request fits, which
clients get as `Retry-After` / `extensions.retryAfter`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis

# Redis computes with its own clock (TIME), so replicas with skewed clocks share one bucket fairly.
# It grants up to ARGV[3] tokens at once (a replica's lease) and answers {granted, wait}.
_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local granted = 0
local wait = 0
if tokens >= 1 then
  granted = math.min(want, math.floor(tokens))
  tokens = tokens - granted
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {granted, tostring(wait)}
"""
log = logging.getLogger(__name__)
REDIS_TIMEOUT_SECONDS = 0.5  # a lease that takes longer: Redis counts as down, the limit is kept locally
DEGRADED_SECONDS = 2.0  # local limits this long after a failure, then Redis is tried again
LEASE_SECONDS = 1.0  # leased tokens not used by then lapse (they were charged: the shared bucket never overshoots)
MAX_KEYS = 100_000  # bounded memory under many anonymous addresses


class RateLimiter(Protocol):
    async def take(self, key: str) -> float:
        """0 when the request may go ahead, else the seconds to wait."""
        ...

    async def close(self) -> None: ...


class MemoryRateLimiter:
    def __init__(self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(max(1, burst))
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    async def take(self, key: str) -> float:
        now = self._clock()
        tokens, ts = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + max(0.0, now - ts) * self.rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate
        if len(self._buckets) > 100_000:  # bounded memory under many anonymous addresses
            self._buckets.clear()
        self._buckets[key] = (tokens, now)
        return wait

    async def close(self) -> None:
        self._buckets.clear()


@dataclass(slots=True)
class Lease:
    """Tokens one replica took from a caller's shared bucket ahead of use.

    A caller's first request leases one token, as an unleased bucket would take.
    A lease used up before it lapses doubles the next one (up to the limiter's
    maximum); one that lapses unused halves it. So a busy caller costs this
    replica one Redis call per lease instead of one per request, and a quiet
    caller is charged exactly what it uses."""

    tokens: int = 0
    expires: float = 0.0
    size: int = 0  # of the last lease; 0 before the first
    refill: asyncio.Future[float] | None = None  # the fetch in flight: concurrent requests wait for it

    def next_size(self, now: float, largest: int) -> int:
        if self.size == 0:
            return 1
        if now < self.expires and self.tokens == 0:
            return min(largest, self.size * 2)
        if self.tokens > 0:
            return max(1, self.size // 2)
        return self.size


class RedisRateLimiter:
    """The bucket lives in Redis (one per caller, shared by replicas); each replica leases tokens from it.

    Every token is taken from the shared bucket before it is used, so callers
    never exceed the limit across replicas; the price is that a replica may
    refuse a caller while another replica still holds a few of its leased
    tokens (at most `largest_lease`, for at most `LEASE_SECONDS`)."""

    def __init__(
        self, url: str, prefix: str, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = max(1, burst)
        self.largest_lease = max(1, self.burst // 20)
        self.prefix = f"{prefix}:ratelimit:"
        self._clock = clock
        self._leases: dict[str, Lease] = {}
        self._redis = aioredis.from_url(url)
        self._script = self._redis.register_script(_TAKE)
        self._local = MemoryRateLimiter(per_minute, burst, clock)  # while Redis does not answer
        self._local_until = float("-inf")

    async def take(self, key: str) -> float:
        """As the shared bucket says; while Redis fails or does not answer in time, this replica's own bucket
        (each replica then allows the caller's whole rate: degraded, never blocked)."""
        if self._clock() < self._local_until:
            return await self._local.take(key)
        try:
            return await self._shared(key)
        except Exception as error:  # noqa: BLE001 - a rate limiter must not fail the request
            log.warning("redis rate limit failed (%s): local limits for %.0f s", type(error).__name__, DEGRADED_SECONDS)
            self._local_until = self._clock() + DEGRADED_SECONDS
            return await self._local.take(key)

    async def _shared(self, key: str) -> float:
        lease = self._leases.get(key)
        if lease is None:
            if len(self._leases) >= MAX_KEYS:
                self._leases.clear()
            lease = self._leases[key] = Lease()
        while True:
            if lease.tokens > 0 and self._clock() < lease.expires:
                lease.tokens -= 1
                return 0.0
            if lease.refill is None:
                lease.refill = asyncio.ensure_future(self._fetch(key, lease))
                lease.refill.add_done_callback(_retrieved)  # every waiter may have been cancelled
            wait = await asyncio.shield(lease.refill)
            if wait > 0:
                return wait

    async def _fetch(self, key: str, lease: Lease) -> float:
        """Lease the next tokens; the seconds to wait when the bucket is empty (0 when tokens came)."""
        try:
            size = lease.next_size(self._clock(), self.largest_lease)
            async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
                granted, wait = await self._script(keys=[self.prefix + key], args=[self.rate, self.burst, size])
            if not int(granted):
                lease.tokens, lease.expires = 0, 0.0  # refused: the next lease is no larger
                return float(wait)
            lease.tokens, lease.size, lease.expires = int(granted), size, self._clock() + LEASE_SECONDS
            return 0.0
        finally:
            lease.refill = None

    async def close(self) -> None:
        await self._redis.aclose()


def _retrieved(refill: asyncio.Future[float]) -> None:
    """Mark a refill's failure as seen: its waiters got it, or all of them were cancelled before."""
    if not refill.cancelled():
        refill.exception()


def make_rate_limiter(redis_url: str | None, prefix: str, per_minute: int, burst: int) -> RateLimiter | None:
    """None when rate limiting is off (`per_minute` 0)."""
    if per_minute <= 0:
        return None
    if redis_url:
        return RedisRateLimiter(redis_url, prefix, per_minute, burst)
    return MemoryRateLimiter(per_minute, burst)


def retry_after(wait: float) -> int:
    """Whole seconds for the Retry-After header (at least 1)."""
    return max(1, math.ceil(wait))
