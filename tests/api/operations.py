"""Build a minimal valid request for any root field of the schema, from the schema itself.

Required arguments get placeholder values of their type (strings "x", numbers 1,
the first enum value, input objects with their required fields); the selection
is `__typename`. The permission tests call every operation this way, so an
operation added later is covered without writing its query by hand.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    get_named_type,
    is_leaf_type,
)

PLACEHOLDER = "x"
SCALARS: dict[str, Any] = {
    "String": PLACEHOLDER,
    "ID": PLACEHOLDER,
    "Int": 1,
    "Float": 1.0,
    "Boolean": True,
    "DateTime": "2026-11-20T10:00:00+00:00",
    "_Any": {"__typename": "Location", "id": PLACEHOLDER},
    "_FieldSet": "id",
}


def placeholder(type_: GraphQLInputType) -> Any:
    if isinstance(type_, GraphQLNonNull):
        return placeholder(type_.of_type)
    if isinstance(type_, GraphQLList):
        return [placeholder(type_.of_type)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLScalarType):
        return SCALARS.get(type_.name, PLACEHOLDER)
    assert isinstance(type_, GraphQLInputObjectType)
    return {
        name: placeholder(field.type)
        for name, field in type_.fields.items()
        if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
    }


def request_for(schema: GraphQLSchema, operation: str) -> tuple[str, dict[str, Any]]:
    """(document, variables) calling `operation` ("Kind.field") with every required argument."""
    kind, name = operation.split(".")
    root = {"Query": schema.query_type, "Mutation": schema.mutation_type, "Subscription": schema.subscription_type}[
        kind
    ]
    assert root is not None
    field = root.fields[name]
    params: list[str] = []
    args: list[str] = []
    variables: dict[str, Any] = {}
    for arg_name, arg in field.args.items():
        if isinstance(arg.type, GraphQLNonNull):
            params.append(f"${arg_name}: {arg.type}")
            args.append(f"{arg_name}: ${arg_name}")
            variables[arg_name] = placeholder(arg.type)
    selection = "" if is_leaf_type(get_named_type(field.type)) else " { __typename }"
    call = f"{name}({', '.join(args)})" if args else name
    head = f"{kind.lower()} Probe({', '.join(params)})" if params else f"{kind.lower()} Probe"
    return f"{head} {{ {call}{selection} }}", variables
