"""A malformed request is the caller's fault: BAD_REQUEST with a message, never INTERNAL.

Variables of the wrong type, bad enum values, missing required variables or input fields, Ints out of range
or fractional (inside input objects too), non-objects where an input object is expected, parse errors and an
unknown operationName. Over HTTP, GraphQL over HTTP decides the status: 200 with `application/json` (legacy),
400 and no `data` with `application/graphql-response+json`; a field error after execution starts stays 200.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.config import Settings
from oms.compose import schema
from tests.api.test_orders_api import order_input
from tests.harness import ADMIN_TOKEN, Api

GRAPHQL_RESPONSE = "application/graphql-response+json"
PLACE = "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { userErrors { code } } }"
ORDERS = "query($n: Int) { orders(first: $n) { edges { cursor } } }"
BY_STATUS = "query($s: OrderStatus) { orders(status: $s) { edges { cursor } } }"
SKUS = 'query($s: [String!]!) { availability(skus: $s, channel: "web", market: "US") { sku } }'
LITERAL = """mutation($q: Int!, $c: CustomerInput!) { placeOrder(input: {idempotencyKey: "k", channel: "web",
  market: "US", customer: $c, lines: [{sku: "A", quantity: $q, unitPrice: 1}],
  delivery: {method: SHIP, destination: {geo: {lat: 1, lon: 1}}}}) { userErrors { code } } }"""


def with_line(quantity: object) -> dict[str, Any]:
    base = order_input()
    base["lines"][0]["quantity"] = quantity
    return base


MALFORMED: dict[str, tuple[str, dict[str, Any]]] = {
    "a string for an Int": (ORDERS, {"n": "ten"}),
    "a fractional Int": (ORDERS, {"n": 1.5}),
    "an Int past 32 bits": (ORDERS, {"n": 2**40}),
    "a bad enum value": (BY_STATUS, {"s": "SHIPPED_TO_MARS"}),
    "a missing required variable": (SKUS, {}),
    "a null required variable": (SKUS, {"s": None}),
    "a list of the wrong type": (SKUS, {"s": [1, {"a": 2}]}),
    "a missing required input field": (PLACE, {"input": {"channel": "web"}}),
    "a number for an input object": (PLACE, {"input": 5}),
    "a list for an input object": (PLACE, {"input": [order_input()]}),
    "a string for a nested input object": (PLACE, {"input": order_input() | {"customer": "cust-1"}}),
    "a fractional Int inside an input object": (PLACE, {"input": with_line(1.5)}),
    "an Int past 32 bits inside an input object": (PLACE, {"input": with_line(2**31)}),
    "a string Int inside an input object": (PLACE, {"input": with_line("two")}),
    "a fractional Int variable inside an input literal": (LITERAL, {"q": 2.5, "c": {"id": "c"}}),
    "an Int variable past 32 bits inside an input literal": (LITERAL, {"q": 2**33, "c": {"id": "c"}}),
    "a number for an input object variable inside a literal": (LITERAL, {"q": 1, "c": 7}),
}


async def post(api: Api, body: dict[str, Any], accept: str = "application/json") -> tuple[int, str, dict[str, Any]]:
    headers = {"authorization": f"Bearer {ADMIN_TOKEN}", "accept": accept}
    response = await api.http.post("/graphql", json=body, headers=headers)
    return response.status_code, response.headers["content-type"], dict(response.json())


def codes(body: dict[str, Any]) -> set[str]:
    return {e.get("extensions", {}).get("code") for e in body.get("errors", [])}


@pytest.mark.parametrize("case", MALFORMED)
async def test_malformed_variables_are_a_bad_request_in_both_media_types(api: Api, case: str) -> None:
    query, variables = MALFORMED[case]
    status, media, body = await post(api, {"query": query, "variables": variables})
    assert (status, media, codes(body)) == (200, "application/json", {"BAD_REQUEST"}), body
    assert body["data"] is None and body["errors"][0]["message"].startswith("Variable '$"), body
    status, media, body = await post(api, {"query": query, "variables": variables}, GRAPHQL_RESPONSE)
    assert (status, codes(body)) == (400, {"BAD_REQUEST"}) and media.startswith(GRAPHQL_RESPONSE), body
    assert "data" not in body


async def test_a_parse_error_carries_its_code_and_is_a_400_when_the_client_accepts_graphql_responses(api: Api) -> None:
    status, _, body = await post(api, {"query": "{ orders(first: "})
    assert (status, codes(body), body["data"]) == (200, {"BAD_REQUEST"}, None)
    assert body["errors"][0]["message"].startswith("Syntax Error"), body
    status, _, body = await post(api, {"query": "{ orders(first: "}, GRAPHQL_RESPONSE)
    assert (status, codes(body), "data" in body) == (400, {"BAD_REQUEST"}, False)


async def test_an_unknown_operation_name_is_a_json_graphql_error(api: Api) -> None:
    request = {"query": "query Known { __typename }", "operationName": "Unknown"}
    status, media, body = await post(api, request)
    assert (status, media, codes(body), body["data"]) == (200, "application/json", {"BAD_REQUEST"}, None)
    assert body["errors"][0]["message"] == 'Unknown operation named "Unknown".'
    status, media, body = await post(api, request, GRAPHQL_RESPONSE)
    assert (status, codes(body), "data" in body) == (400, {"BAD_REQUEST"}, False)
    assert media.startswith(GRAPHQL_RESPONSE)


async def test_variables_that_are_no_object_are_a_json_bad_request(api: Api) -> None:
    for variables in (5, [1], "x"):
        status, _, body = await post(api, {"query": ORDERS, "variables": variables})
        assert (status, codes(body)) == (400, {"BAD_REQUEST"}), body


async def test_a_field_error_after_execution_started_keeps_200_and_its_data_entry(api: Api) -> None:
    headers = {"accept": GRAPHQL_RESPONSE}  # no token: the root field refuses, execution had started
    response = await api.http.post("/graphql", json={"query": "{ orders { edges { cursor } } }"}, headers=headers)
    body = response.json()
    assert response.status_code == 200 and response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert body["data"] is None and codes(body) == {"UNAUTHENTICATED"} and body["errors"][0]["path"] == ["orders"]


async def test_a_legacy_client_or_gateway_gets_application_json(api: Api) -> None:
    for accept in ("", "*/*", "application/json", f"application/json, {GRAPHQL_RESPONSE};q=0.5"):
        status, media, _ = await post(api, {"query": "{ nope }"}, accept)
        assert (status, media) == (200, "application/json"), accept
    status, media, _ = await post(api, {"query": "{ nope }"}, f"{GRAPHQL_RESPONSE}, application/json")
    assert (status, media) == (400, f"{GRAPHQL_RESPONSE}; charset=utf-8")


async def test_a_refusal_at_the_door_speaks_the_accepted_media_type(api: Api) -> None:
    headers = {"authorization": "Bearer not-a-token", "accept": GRAPHQL_RESPONSE}
    response = await api.http.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
    assert response.status_code == 401 and response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "data" not in response.json() and codes(response.json()) == {"UNAUTHENTICATED"}


def test_in_process_variables_that_are_no_object_are_a_bad_request_not_a_crash_of_the_cost_check() -> None:
    oms = schema(settings=Settings())
    for variables in (5, [1], "x"):
        result = asyncio.run(oms.execute(ORDERS, variable_values=variables))  # type: ignore[arg-type]
        assert result.data is None and [e.extensions for e in result.errors or []] == [{"code": "BAD_REQUEST"}]


async def test_two_operations_without_an_operation_name_are_refused_not_the_first_run(api: Api) -> None:
    request = {"query": "query A { __typename } mutation B { __typename }"}
    status, media, body = await post(api, request)
    assert (status, media, codes(body), body["data"]) == (200, "application/json", {"BAD_REQUEST"}, None)
    assert body["errors"][0]["message"] == "Must provide operation name if query contains multiple operations."
    status, _, body = await post(api, request, GRAPHQL_RESPONSE)
    assert (status, codes(body), "data" in body) == (400, {"BAD_REQUEST"}, False)
    status, _, body = await post(api, request | {"operationName": "A"})
    assert (status, body) == (200, {"data": {"__typename": "Query"}})
