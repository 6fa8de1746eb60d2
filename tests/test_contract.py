"""The contract (`../shared/CONTRACT.md`) is met: every type, field, argument, input field and enum value it
names exists in the schema the code serves, with the type written there (nullability included) and, where the
contract writes a default, that default.

Sections whose features are not built yet are listed in PENDING with their issue; their check is expected to
fail, strictly, so the list must shrink as soon as a section is built.
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
PENDING = {  # section heading prefix -> the issue that builds it
    "## 8. Order changes after placement": "#22",
    "## 10. Operations reporting": "#24",
}


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


@pytest.mark.xfail(strict=True, reason=f"not built yet: {', '.join(PENDING.values())}")
def test_the_pending_sections_of_the_contract_are_in_the_schema(schema: GraphQLSchema) -> None:
    _, pending = sections()
    problems = unmet(schema, names(pending, schema))
    assert not problems, "\n".join(problems)


# Names of pending sections built ahead of the rest of their section: held to the contract like built ones.
BUILT_EARLY = frozenset(
    {
        *("EditOrderInput", "LineQuantityInput", "Mutation.editOrder", "OrderLine.id"),  # #22 parts 1-2
        *("PlaceOrderInput.allowBackorder", "OrderLine.backordered", "OrderLine.promisedBy"),  # #22 part 3
        "OrderStatus.BACKORDERED",
    }
)


def _built_early(name: Name) -> bool:
    return bool({name.name, name.owner, f"{name.owner}.{name.name}"} & BUILT_EARLY)


def test_the_names_built_ahead_of_their_section_are_in_the_schema(schema: GraphQLSchema) -> None:
    _, pending = sections()
    early = [n for n in names(pending, schema) if _built_early(n)]
    assert len(early) >= 12, "the names built early were not found in the contract: has it changed?"
    problems = unmet(schema, early)
    assert not problems, "the schema differs from CONTRACT.md:\n" + "\n".join(problems)


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


# Names of pending sections already built: checked now, so a built name cannot drift while its section waits.
BUILT_OF_PENDING = ("SetLocationActiveInput", "SetLocationActivePayload", "Mutation.setLocationActive")


def test_the_built_names_of_pending_sections_are_in_the_schema(schema: GraphQLSchema) -> None:
    _, pending = sections()
    built = [n for n in names(pending, schema) if str(n).startswith(BUILT_OF_PENDING)]
    assert len(built) >= 8, [str(n) for n in built]
    assert unmet(schema, built) == []
