"""Operation cost estimates and the in-memory token bucket, without a server."""

from __future__ import annotations

from graphql import parse

from app.ratelimit import MemoryRateLimiter, retry_after
from resolvers.limits import UNSIZED_LIST, operation_cost
from resolvers.schema import create_schema

SCHEMA = create_schema()._schema


def cost(query: str, variables: dict[str, object] | None = None) -> int:
    return operation_cost(SCHEMA, parse(query), None, variables or {})


def test_cost_multiplies_fields_by_first_and_connections_do_not_count_twice() -> None:
    assert cost("{ orders(first: 10) { edges { node { id status } } } }") == 10 * (1 + 1 * (1 + (1 + 2)))
    assert cost("query($n: Int) { orders(first: $n) { edges { node { id } } } }", {"n": 3}) == 3 * (1 + 1 * (1 + 2))


def test_cost_sizes_lists_by_list_arguments_or_a_default() -> None:
    three = '{ availability(skus: ["A", "B", "C"], channel: "w", market: "US") { sku } }'
    assert cost(three) == 3 * (1 + 1)
    assert cost("{ locations { id } }") == UNSIZED_LIST * (1 + 1)


def test_cost_follows_fragments_and_entity_representations() -> None:
    query = """query($r: [_Any!]!) { _entities(representations: $r) { ...P } }
               fragment P on Product { sku availability(channel: "w", market: "US") { atp } }"""
    reps = [{"__typename": "Product", "sku": str(i)} for i in range(7)]
    assert cost(query, {"r": reps}) == 7 * (1 + 1 + (1 + 1))


async def test_the_memory_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    now = [0.0]
    bucket = MemoryRateLimiter(per_minute=60, burst=2, clock=lambda: now[0])
    assert [await bucket.take("k") for _ in range(2)] == [0.0, 0.0]
    wait = await bucket.take("k")
    assert 0.9 < wait <= 1.0 and retry_after(wait) == 1
    assert await bucket.take("other") == 0.0
    now[0] = 1.5
    assert await bucket.take("k") == 0.0


async def test_a_redis_failure_falls_back_to_local_limits_for_every_waiting_request_and_leaves_no_refill() -> None:
    import asyncio

    from app.ratelimit import DEGRADED_SECONDS, RedisRateLimiter

    now = [0.0]
    limiter = RedisRateLimiter("redis://127.0.0.1:1/0", "oms-test", per_minute=60, burst=3, clock=lambda: now[0])
    try:  # nothing listens on port 1: every waiting request is answered from this replica's own bucket
        outcomes = await asyncio.gather(*(limiter.take("k") for _ in range(5)), return_exceptions=True)
        assert outcomes == [0.0, 0.0, 0.0, 1.0, 1.0], outcomes  # the local bucket still limits (burst 3)
        assert limiter._leases["k"].refill is None
        assert await asyncio.wait_for(limiter.take("other"), timeout=10) == 0.0  # local, no Redis call
        now[0] += DEGRADED_SECONDS + 1  # then Redis is asked again (and fails again: local again)
        assert await asyncio.wait_for(limiter.take("other"), timeout=10) == 0.0
    finally:
        await limiter.close()


def test_a_bulk_mutations_payload_costs_once_however_long_its_input() -> None:
    query = "mutation($i: [PostalCodeInput!]!) { importPostalCodes(input: $i) { count userErrors { field code } } }"
    rows = [{"country": "US", "postalCode": f"{n:05d}", "lat": 40.0, "lon": -74.0} for n in range(5000)]
    assert cost(query, {"i": rows}) == 1 + 1 + UNSIZED_LIST * (1 + 2)
