"""Every query, mutation and subscription in the schema, called by every kind of caller over HTTP or WebSocket.

The expectation is read from the operation's matrix entry: public operations
answer everyone; otherwise anonymous callers get UNAUTHENTICATED, roles outside
the entry and integration tokens without its scope get FORBIDDEN, and callers
bound to locations or channels are refused rows they cannot own. An allowed
caller never gets UNAUTHENTICATED, FORBIDDEN or INTERNAL (whatever business
answer the placeholder arguments earn). An operation without an entry fails
`test_every_operation_has_a_permission_entry` and is refused to all at run time.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from domain.access import Role, Rule
from domain.permissions import PERMISSIONS
from resolvers.access import operations
from resolvers.schema import create_schema
from tests.api.operations import request_for
from tests.api.principals import Caller, every_caller
from tests.harness import Api, subscriptions

SCHEMA = create_schema()._schema
OPERATIONS = operations(SCHEMA)
REFUSALS = {"UNAUTHENTICATED", "FORBIDDEN"}


def test_every_operation_has_a_permission_entry() -> None:
    missing = [op for op in OPERATIONS if op not in PERMISSIONS]
    assert missing == [], f"add these to domain/permissions.py: {missing}"


def test_every_permission_entry_names_an_operation() -> None:
    assert [op for op in PERMISSIONS if op not in OPERATIONS] == []


def test_admin_is_in_every_entry() -> None:
    assert all(Role.ADMIN in rule.roles for rule in PERMISSIONS.values())


def expected(caller: Caller, rule: Rule, variables: dict[str, Any]) -> str | None:
    """The refusal code this caller must get, or None when it must be let through."""
    if rule.public or (rule.public_if is not None and rule.public_if in variables):
        return None if caller.role is None or not (caller.bound and rule.owners) else "FORBIDDEN"
    if caller.role is None:
        return "UNAUTHENTICATED"
    if caller.role not in rule.roles or (caller.scoped_out and rule.scope):
        return "FORBIDDEN"
    names_a_row = any(path.split(".")[0] in variables for _, path in rule.owners)
    if caller.bound and names_a_row:
        return "FORBIDDEN"  # the placeholder rows do not exist: refused like rows of another store
    return None


def codes(errors: list[dict[str, Any]] | None) -> set[str]:
    return {str((e.get("extensions") or {}).get("code")) for e in errors or []}


@pytest.mark.parametrize("operation", [op for op in OPERATIONS if not op.startswith("Subscription.")])
async def test_queries_and_mutations_follow_the_matrix(api: Api, operation: str) -> None:
    document, variables = request_for(SCHEMA, operation)
    rule = PERMISSIONS[operation]
    for caller in await every_caller(api.server):
        response = await api.post(document, variables, token=caller.token)
        assert response.status_code == 200, (caller.name, response.text)
        got = codes(response.json().get("errors"))
        want = expected(caller, rule, variables)
        if want is None:
            assert not got & (REFUSALS | {"INTERNAL"}), (caller.name, response.text)
        else:
            assert want in got, (caller.name, response.text)


@pytest.mark.parametrize("operation", [op for op in OPERATIONS if op.startswith("Subscription.")])
async def test_subscriptions_follow_the_matrix(api: Api, operation: str) -> None:
    document, variables = request_for(SCHEMA, operation)
    rule = PERMISSIONS[operation]
    for caller in await every_caller(api.server):
        want = expected(caller, rule, variables)
        async with subscriptions(api.server, token=caller.token) as ws:
            await ws.subscribe(document, variables)
            try:
                message = await ws.receive(wait=0.3)
            except TimeoutError:
                message = None
        if want is None:
            assert message is None, (caller.name, message)
        else:
            assert message is not None, caller.name
            payload = message.get("payload")
            errors = payload if isinstance(payload, list) else (payload or {}).get("errors")
            assert want in codes(errors), (caller.name, json.dumps(message))


async def test_an_entity_order_is_read_like_order_by_id(api: Api) -> None:
    reps = {"reps": [{"__typename": "Order", "id": "nope"}]}
    query = "query($reps: [_Any!]!) { _entities(representations: $reps) { ... on Order { id } } }"
    anonymous = await api.raw(query, reps, token=None)
    assert codes(anonymous["errors"]) == {"UNAUTHENTICATED"}
    assert (await api.gql(query, reps))["_entities"] == [None]
    await asyncio.sleep(0)
