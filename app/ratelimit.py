"""Per-principal rate limits: a token bucket, in Redis when configured (shared by replicas), else in memory.

A bucket holds up to `burst` requests and refills at `per_minute / 60` a
second; an empty bucket answers how long until the next request fits, which
clients get as `Retry-After` / `extensions.retryAfter`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Protocol

import redis.asyncio as aioredis

# Redis computes with its own clock (TIME), so replicas with skewed clocks share one bucket fairly.
_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(wait)
"""


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


class RedisRateLimiter:
    def __init__(self, url: str, prefix: str, per_minute: int, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = max(1, burst)
        self.prefix = f"{prefix}:ratelimit:"
        self._redis = aioredis.from_url(url)
        self._script = self._redis.register_script(_TAKE)

    async def take(self, key: str) -> float:
        return float(await self._script(keys=[self.prefix + key], args=[self.rate, self.burst]))

    async def close(self) -> None:
        await self._redis.aclose()


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
