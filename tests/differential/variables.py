"""Variable values for an operation: seeded facts where the name says what it is, else placeholders.

A variable or input field named like a SKU, a location, an order, a task, a
pick list or a fulfillment gets a real one from the seeded twins, so answers
carry rows, not only "not found". Anything else gets the placeholder of its
type (tests/api/operations.py). Optional variables without a known name are
left out, as a client would.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    Undefined,
    get_named_type,
    parse,
    type_from_ast,
)

from tests.api.operations import SCALARS
from tests.differential.worlds import NOW, Facts

IDS_BY_FIELD = (  # root field fragment -> which kind of id an `id` argument is
    ("task", "tasks"),
    ("pick", "pick_lists"),
    ("rule", "rules"),
    ("step", "fulfillments"),
    ("handover", "fulfillments"),
    ("collection", "fulfillments"),
    ("fulfillment", "fulfillments"),
    ("return", "orders"),
)


def known(name: str, facts: Facts, id_kind: str) -> Any:
    """A seeded value for a variable or field name, or Undefined."""
    key = name.lower()
    by_name: dict[str, Any] = {
        "sku": facts.skus[0],
        "skus": facts.skus,
        "channel": "web",
        "market": "US",
        "loc": facts.store,
        "locationid": facts.store,
        "pickuplocationid": facts.store,
        "locationids": [facts.store],
        "orderid": facts.orders[0] if facts.orders else "x",
        "fulfillmentid": facts.fulfillments[0] if facts.fulfillments else "x",
        "picklistid": facts.pick_lists[0] if facts.pick_lists else "x",
        "picklineid": facts.pick_lines[0] if facts.pick_lines else "x",
        "id": (getattr(facts, id_kind) or ["x"])[0],
        "first": 10,
        "quantity": 1,
        "asof": NOW.isoformat(),
        "reps": representations(facts),
        "representations": representations(facts),
    }
    return by_name.get(key, Undefined)


def representations(facts: Facts) -> list[dict[str, str]]:
    return [
        {"__typename": "Product", "sku": facts.skus[0]},
        {"__typename": "Location", "id": facts.store},
        {"__typename": "Order", "id": facts.orders[0] if facts.orders else "x"},
        {"__typename": "Customer", "id": "cust-diff"},
    ]


class Values:
    def __init__(self, facts: Facts, id_kind: str) -> None:
        self.facts = facts
        self.id_kind = id_kind

    def of(self, name: str, type_: GraphQLInputType) -> Any:
        seeded = known(name, self.facts, self.id_kind)
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if seeded is not Undefined and isinstance(get_named_type(inner), GraphQLScalarType):
            return seeded if isinstance(inner, GraphQLList) or not isinstance(seeded, list) else seeded[0]
        if isinstance(inner, GraphQLList):
            return [self.of(name, inner.of_type)]
        if isinstance(inner, GraphQLEnumType):
            return next(iter(inner.values))
        if isinstance(inner, GraphQLScalarType):
            return SCALARS.get(inner.name, "x")
        assert isinstance(inner, GraphQLInputObjectType)
        return self.input_object(inner)

    def input_object(self, type_: GraphQLInputObjectType) -> dict[str, Any]:
        value: dict[str, Any] = {}
        for name, field in type_.fields.items():
            required = isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
            if required or known(name, self.facts, self.id_kind) is not Undefined:
                value[name] = self.of(name, field.type)
        return value


def id_kind_of(operation: OperationDefinitionNode) -> str:
    fields = " ".join(s.name.value.lower() for s in operation.selection_set.selections if isinstance(s, FieldNode))
    return next((kind for fragment, kind in IDS_BY_FIELD if fragment in fields), "orders")


def variables_for(schema: GraphQLSchema, document: str, name: str | None, facts: Facts) -> dict[str, Any]:
    """Values for the variables of operation `name` in `document` (none if it is not there)."""
    operations = [d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [op for op in operations if (op.name.value if op.name else None) == name]
    if not chosen:
        return {}
    operation = chosen[0]
    values = Values(facts, id_kind_of(operation))
    variables: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        var_name = definition.variable.name.value
        type_ = type_from_ast(schema, definition.type)
        if type_ is None:
            continue
        required = isinstance(type_, GraphQLNonNull) and definition.default_value is None
        if required or known(var_name, facts, values.id_kind) is not Undefined:
            variables[var_name] = values.of(var_name, type_)  # type: ignore[arg-type]
    return variables
