"""The contract (`../shared/CONTRACT.md`) is met: every type, field, argument, input field and enum value it
names exists in the schema the code serves, with the type written there (nullability included) and, where the
contract writes a default, that default.

Every section is built (#22, #23 and #24 were the last). A section added for a feature not built yet goes into
PENDING with its issue, and a strict xfail of its names beside the check below, so that the list shrinks as
soon as the section is built.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import GraphQLSchema

from resolvers.schema import create_schema
from tests.backends import unavailable
from tests.contract_names import Name, names, unmet

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT.parent / "shared" / "CONTRACT.md"
PENDING: dict[str, str] = {}  # section heading prefix -> the issue that builds it


def sections() -> tuple[str, str]:
    """(the contract without its pending sections, the pending sections alone)."""
    try:
        text = CONTRACT.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        unavailable("../shared/CONTRACT.md", error)
        raise
    parts = re.split(r"(?m)^(?=## )", text)
    pending = [p for p in parts if p.startswith(tuple(PENDING))]
    assert len(pending) == len(PENDING), "a pending section was renamed: update PENDING"
    return "".join(p for p in parts if p not in pending), "".join(pending)


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return create_schema()._schema


def test_every_name_the_contract_fixes_is_in_the_schema_with_its_type(schema: GraphQLSchema) -> None:
    built, _ = sections()
    expected = names(built, schema)
    assert len(expected) > 400, "the contract parser found too few names: has the contract's format changed?"
    problems = unmet(schema, expected)
    assert not problems, "the schema differs from CONTRACT.md:\n" + "\n".join(problems)


def test_every_section_of_the_contract_is_checked(schema: GraphQLSchema) -> None:
    built, pending = sections()
    headings = re.findall(r"(?m)^## (\d+)\. ", built)
    assert pending == "" and headings == [str(n) for n in range(1, len(headings) + 1)] and len(headings) >= 11
    checked = {n.owner for n in names(built, schema)}
    for last_built in ("EditOrderInput", "SourcingSimulation", "OperationsBucket", "SetLocationActiveInput"):
        assert last_built in checked, f"{last_built} (sections 8-10) is not read from the contract"


def test_the_conformance_check_sees_a_wrong_type_a_wrong_default_and_a_missing_name(schema: GraphQLSchema) -> None:
    drifted = """```graphql
input PlaceOrderInput { idempotencyKey: String, riskScore: Float }
type Query { orders(first: Int = 5, after: String): OrderConnection! }
enum OrderStatus { ON_HOLD TELEPORTED }
```
# CheckoutHoldInput gains: ttlSeconds: Int = 60
"""
    problems = unmet(schema, names(drifted, schema))
    assert problems == [
        "PlaceOrderInput.idempotencyKey: String: the schema has String!",
        "Query.orders(first): Int = 5: the schema's default is 20",
        "OrderStatus.TELEPORTED: missing",
        "CheckoutHoldInput.ttlSeconds: Int = 60: the schema's default is 900",
    ]


def test_names_read_from_comments_and_gains_lines_count(schema: GraphQLSchema) -> None:
    built, _ = sections()
    expected = set(names(built, schema))
    assert Name("field", "PlaceOrderPayload", "order") in expected  # `# { order, userErrors }`
    assert Name("field", "CustomerInput", "segment", "String") in expected  # `# { id: ID!, segment: String, ...}`
    assert Name("field", "SourcingWeightsInput", "stockDepth", "Float") in expected  # `# distance, ...: Float`
    assert Name("field", "DeliveryInput", "pickupSlotStartsAt", "DateTime") in expected  # `# X gains: ...`
    assert Name("field", "LocationInput", "timezone", "String") in expected  # `# X and Y gain: ...`
    assert Name("value", "ErrorCode", "SLOT_FULL") in expected
