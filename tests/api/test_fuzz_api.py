"""Property-based fuzzing of the whole schema, per kind of caller, over real HTTP.

hypothesis-graphql writes valid queries and mutations from the exported
schema (and, in the negative mode, operations with one schema violation). Whatever
it sends: no 5xx, no INTERNAL, every error coded or a validation message, and a
store associate never reads a row of another store. `OMS_FUZZ_EXAMPLES` sets the
examples per caller (small in `make test`; `make fuzz` runs a long one).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import httpx
from graphql import ObjectFieldNode, ObjectValueNode, StringValueNode
from graphql.language import NameNode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema

from domain.access import Role
from resolvers.errors import PUBLIC_CODES
from resolvers.schema import create_schema
from tests.api.principals import token_for
from tests.api.test_orders_api import PLACE, order_input
from tests.api.test_row_scoping_api import two_stores
from tests.harness import ADMIN_TOKEN, Api

EXAMPLES = int(os.environ.get("OMS_FUZZ_EXAMPLES", "40"))
SCHEMA = create_schema()._schema


def _entity(typename: str, key: str, value: str) -> ObjectValueNode:
    fields = (("__typename", typename), (key, value))
    return ObjectValueNode(
        fields=tuple(ObjectFieldNode(name=NameNode(value=k), value=StringValueNode(value=v)) for k, v in fields)
    )


SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "DateTime": st.sampled_from(["2026-11-20T10:00:00+00:00", "1970-01-01T00:00:00Z", "not a date"]).map(
        lambda v: StringValueNode(value=v)
    ),
    "_Any": st.sampled_from(
        [
            _entity("Product", "sku", "A"),
            _entity("Order", "id", "nope"),
            _entity("Location", "id", "sb"),
            _entity("Customer", "id", "cust-1"),
        ]
    ),
}
OPERATIONS = st.one_of(
    from_schema(SCHEMA, custom_scalars=SCALARS, allow_x00=False),
    from_schema(SCHEMA, custom_scalars=SCALARS, allow_x00=False, mode=Mode.NEGATIVE),
)


def check_response(response: httpx.Response, secret: str | None) -> None:
    assert response.status_code < 500, response.text
    body = response.json()
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code != "INTERNAL", body
        assert code in PUBLIC_CODES or "path" not in error, body  # a coded refusal, or a validation message
    if secret is not None:
        assert secret not in response.text, f"an order of another store leaked: {response.text}"


def fuzz(base_url: str, token: str | None, secret: str | None) -> None:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as http:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(OPERATIONS)
        def run(document: str) -> None:
            check_response(http.post("/graphql", json={"query": document}), secret)

        run()


async def test_no_caller_can_make_the_api_fail_or_leak(api: Api) -> None:
    ids = await two_stores(api)
    other_store_only = (await api.gql(PLACE, {"input": order_input(key="only-b", lines=[("B", 1)])}))["placeOrder"]
    secret = other_store_only["order"]["id"]
    callers: list[tuple[str | None, str | None]] = [
        (None, None),
        (ADMIN_TOKEN, None),
        (await token_for(api.server, Role.STORE_ASSOCIATE, locations={"sa"}), secret),
        (await token_for(api.server, Role.STOREFRONT, channels={"app"}), ids["b"]),
    ]
    for token, hidden in callers:
        await asyncio.to_thread(fuzz, api.server.base_url, token, hidden)
