"""The Redis rate limiter leases tokens to each replica: never over the limit, few Redis calls for a busy caller."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from app.ratelimit import LEASE_SECONDS, RedisRateLimiter
from tests.backends import Backend

pytestmark = pytest.mark.backends("postgres")  # the run with Redis


class Counted:
    """Counts the calls of a limiter's Redis script (the calls still go to Redis)."""

    def __init__(self, limiter: RedisRateLimiter) -> None:
        self.calls = 0
        self._script = limiter._script
        limiter._script = self  # type: ignore[assignment]

    async def __call__(self, **kwargs: Any) -> Any:
        self.calls += 1
        return await self._script(**kwargs)


def limiter(backend: Backend, prefix: str, per_minute: int, burst: int, **kwargs: Any) -> RedisRateLimiter:
    assert backend.redis_url is not None
    return RedisRateLimiter(backend.redis_url, prefix, per_minute, burst, **kwargs)


async def test_two_replicas_never_admit_more_than_the_bucket_holds(backend: Backend) -> None:
    prefix = f"oms-test-{uuid.uuid4().hex[:8]}"
    replicas = [limiter(backend, prefix, per_minute=1, burst=40) for _ in range(2)]  # refill: 1 a minute
    try:
        waits = await asyncio.gather(*(replicas[n % 2].take("caller") for n in range(120)))
        admitted = [w for w in waits if w == 0]
        assert len(admitted) == 40  # leases come out of the one shared bucket
        assert all(w > 0 for w in waits if w != 0)
    finally:
        for replica in replicas:
            await replica.close()


async def test_a_busy_caller_costs_one_redis_call_per_lease_not_per_request(backend: Backend) -> None:
    busy = limiter(backend, f"oms-test-{uuid.uuid4().hex[:8]}", per_minute=600_000, burst=100_000)
    counted = Counted(busy)
    try:
        for _ in range(20):
            assert await asyncio.gather(*(busy.take("busy") for _ in range(50))) == [0.0] * 50
        assert counted.calls < 1000 / 10, counted.calls  # leases grew: 1, 2, 4, ... tokens per call
    finally:
        await busy.close()


async def test_a_quiet_caller_leases_one_token_at_a_time(backend: Backend) -> None:
    now = [0.0]
    quiet = limiter(backend, f"oms-test-{uuid.uuid4().hex[:8]}", per_minute=60, burst=20, clock=lambda: now[0])
    counted = Counted(quiet)
    try:
        for n in range(5):
            now[0] = n * (LEASE_SECONDS + 1)  # each request after the previous lease lapsed
            assert await quiet.take("quiet") == 0.0
        assert counted.calls == 5 and quiet._leases["quiet"].size == 1  # charged what it used, nothing ahead
    finally:
        await quiet.close()
