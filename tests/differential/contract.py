"""Operations from the contract: one per root field it names, selecting the fields it declares.

CONTRACT.md holds SDL (types, inputs, root fields), not operations. A client
written against it calls each root field it names with the arguments it names
and reads the fields it declares; that is the operation built here. Types the
contract only sketches (payloads written as `# { order, userErrors }`) select
every field of the schema's type. Nested fields with required arguments are
left out, and selections stop at DEPTH levels.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from graphql import (
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLSyntaxError,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    Undefined,
    get_named_type,
    is_leaf_type,
    parse,
)

from tests.differential.corpus import FENCED, Operation, operations_in

DEPTH = 3
ROOTS = {"Query": "query", "Mutation": "mutation", "Subscription": "subscription"}


def declared_fields(text: str) -> tuple[dict[str, list[str]], list[tuple[str, str, int]]]:
    """Fields the contract declares per type, and its root fields as (kind, field, line)."""
    declared: dict[str, list[str]] = {}
    roots: list[tuple[str, str, int]] = []
    for match in FENCED.finditer(text):
        try:
            document = parse(match.group(1))
        except GraphQLSyntaxError:
            continue
        block_line = text.count("\n", 0, match.start()) + 2
        for definition in document.definitions:
            if not isinstance(definition, ObjectTypeDefinitionNode | ObjectTypeExtensionNode):
                continue
            name = definition.name.value
            for node in definition.fields or ():
                declared.setdefault(name, [])
                if node.name.value not in declared[name]:
                    declared[name].append(node.name.value)
                if name in ROOTS:
                    line = block_line + (node.loc.start_token.line - 1 if node.loc else 0)
                    roots.append((ROOTS[name], node.name.value, line))
    return declared, roots


def _required(field: GraphQLField) -> bool:
    return any(isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined for a in field.args.values())


def selection(type_: GraphQLOutputType, declared: dict[str, list[str]], depth: int = 0) -> str:
    named = get_named_type(type_)
    if is_leaf_type(named):
        return ""
    if not isinstance(named, GraphQLObjectType) or depth >= DEPTH:
        return "{ __typename }"
    names = declared.get(named.name) or list(named.fields)
    parts: list[str] = []
    for name in names:
        field = named.fields.get(name)
        if field is None or _required(field):
            continue
        inner = selection(field.type, declared, depth + 1)
        parts.append(f"{name} {inner}".strip())
    return "{ " + (" ".join(parts) or "__typename") + " }"


def operation_for(schema: GraphQLSchema, kind: str, name: str, declared: dict[str, list[str]]) -> str | None:
    root = {"query": schema.query_type, "mutation": schema.mutation_type, "subscription": schema.subscription_type}
    root_type = root[kind]
    field = root_type.fields.get(name) if root_type else None
    if field is None:
        return None  # named by the contract, missing from the schema: the schema tests' business
    params = ", ".join(f"${arg}: {spec.type}" for arg, spec in field.args.items())
    call = f"{name}({', '.join(f'{arg}: ${arg}' for arg in field.args)})" if field.args else name
    head = f"{kind} Contract_{name}({params})" if params else f"{kind} Contract_{name}"
    return f"{head} {{ {call} {selection(field.type, declared)} }}"


def from_contract(path: Path) -> Iterator[Operation]:
    from resolvers.schema import create_schema

    schema = create_schema()._schema
    declared, roots = declared_fields(path.read_text(encoding="utf-8"))
    for kind, name, line in roots:
        document = operation_for(schema, kind, name, declared)
        if document is not None:
            yield from operations_in(document, "contract", f"{path.name}:{line}")
