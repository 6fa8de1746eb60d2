"""Malformed and over-limit requests get the same errors, in the same order, under both executors.

Bad documents (syntax, validation), bad variables (wrong types, missing or null
required ones, unknown input fields, out-of-range numbers), operation names that
are missing, unknown or ambiguous, and requests over the depth, alias, token and
cost limits; each asked by an admin, an anonymous caller and a storefront.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import get_introspection_query

from tests.differential.twins import CONTROL, Difference, Twins

AVAILABILITY = """query A($skus: [String!]!, $channel: String!, $market: String!, $first: Int) {
  availability(skus: $skus, channel: $channel, market: $market) { sku atp }
  orders(first: $first) { edges { node { id } } } }"""
GOOD = {"skus": ["SKU-00001"], "channel": "web", "market": "US"}
DEEP_INTROSPECTION = "{ __schema { types { fields { type { " + "ofType { " * 10 + "name" + " }" * 14 + " }"
HOPS = "sku"
for _ in range(7):  # Product.recommendations -> Recommendation.product -> Product...: 15 levels deep
    HOPS = f'recommendations(channel: "web", market: "US") {{ sku product {{ {HOPS} }} }}'
DEEP = (
    f'{{ _entities(representations: [{{__typename: "Product", sku: "SKU-00001"}}]) {{ ... on Product {{ {HOPS} }} }} }}'
)
MANY_SKUS = [f"SKU-{n:05d}" for n in range(1, 3001)]
COSTLY = (
    'query($skus: [String!]!) { availability(skus: $skus, channel: "web", market: "US") { '
    "locations { location { id name markets } atp } } }"
)
TWO = "query One { omsViewer { role } } query Two { orders(first: 1) { edges { cursor } } }"
QUANTITY = """query($q: Int!) { fulfillmentOptions(input: {channel: "web", market: "US",
  lines: [{sku: "SKU-00001", quantity: $q}]}) { method available } }"""
ORDER_DATE = (
    'query($at: DateTime) { availability(skus: ["SKU-00001"], channel: "web", market: "US", asOf: $at) { atp } }'
)

Case = tuple[str, dict[str, Any] | None, str | None]
CASES: dict[str, Case] = {
    "empty document": ("", None, None),
    "unclosed selection": ("{ omsViewer { role }", None, None),
    "stray brace": ("{ __typename } }", None, None),
    "bare keyword": ("mutation", None, None),
    "unknown field": ("{ omsViewer { role nope } orderz }", None, None),
    "missing required argument": ('{ availability(channel: "web") { sku } }', None, None),
    "argument of the wrong type": ('{ orders(first: "ten") { edges { cursor } } }', None, None),
    "scalar with a selection": ("{ omsViewer { role { x } } }", None, None),
    "object without a selection": ("{ omsViewer }", None, None),
    "undefined fragment": ("{ ...Missing }", None, None),
    "fragment cycle": ("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }", None, None),
    "unused and undefined variables": ("query($u: Int) { orders(first: $n) { edges { cursor } } }", None, None),
    "unknown directive": ("{ __typename @nope }", None, None),
    "conflicting aliases": ("{ x: omsViewer { role } x: __typename }", None, None),
    "missing required variables": (AVAILABILITY, {}, None),
    "null for a required variable": (AVAILABILITY, {**GOOD, "market": None}, None),
    "variable of the wrong type": (AVAILABILITY, {**GOOD, "skus": 5, "first": "ten"}, None),
    "integer out of range": (QUANTITY, {"q": 2**40}, None),
    "float where an integer goes": (QUANTITY, {"q": 1.5}, None),
    "list where a string goes": (AVAILABILITY, {**GOOD, "channel": ["web"]}, None),
    "DateTime that is not a date": (ORDER_DATE, {"at": "not a date"}, None),
    "DateTime without an offset": (ORDER_DATE, {"at": "2026-11-20T10:00:00"}, None),
    "unknown input field": (
        "mutation($i: FraudPolicyInput!) { setFraudPolicy(input: $i) { userErrors { code } } }",
        {"i": {"holdAtRiskScore": 10, "nope": 1}},
        None,
    ),
    "enum value that does not exist": (
        "query($s: OrderStatus) { orders(status: $s, first: 1) { edges { cursor } } }",
        {"s": "NOPE"},
        None,
    ),
    "unknown operation name": (TWO, None, "Three"),
    "no operation name among several": (TWO, None, None),
    "operation name chosen among several": (TWO, None, "Two"),
    "a name for an anonymous operation": ("{ __typename }", None, "Named"),
    "subscription sent for execution": ("subscription { taskEvents { type } }", None, None),
    "over the depth limit": (DEEP, None, None),
    "deep introspection (not counted by the depth limit)": (DEEP_INTROSPECTION, None, None),
    "over the alias limit": ("{ " + " ".join(f"a{n}: __typename" for n in range(40)) + " }", None, None),
    "over the token limit": ("{ " + "__typename " * 10_001 + "}", None, None),
    "over the cost limit": (COSTLY, {"skus": MANY_SKUS}, None),
    "over the anonymous cost limit only": (COSTLY, {"skus": MANY_SKUS[:400]}, None),
    "introspection": (get_introspection_query(descriptions=True), None, None),
}
ROLES = ("admin", "anonymous", "storefront")


@pytest.mark.parametrize("case", list(CASES))
async def test_a_bad_request_gets_the_same_errors_under_both_executors(pair: Twins, case: str) -> None:
    query, variables, name = CASES[case]
    found = [await pair.difference(case, query, variables, name, role) for role in ROLES]
    differences: list[Difference] = [d for d in found if d is not None]
    assert not differences, "\n\n".join(str(d) for d in differences)


async def test_the_planned_twin_runs_the_engine_and_the_reference_twin_does_not(
    pair: Twins, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without this, two graphql-core twins would agree on everything and prove nothing."""
    import os

    if os.environ.get(CONTROL):
        pytest.skip("control run: both twins run graphql-core")
    import engine

    calls: list[str] = []
    real = engine.execute

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append("engine")
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "execute", counted)
    for twin in (pair.planned, pair.reference):
        before = len(calls)
        await pair._execute(twin, "admin", "{ omsViewer { role } }", None, None, "probe")
        calls.append(f"{twin.name}: {len(calls) - before}")
    assert calls == ["engine", "planned: 1", "reference: 0"], calls
