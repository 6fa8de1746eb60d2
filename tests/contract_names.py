"""What `../shared/CONTRACT.md` names, as expectations on a schema, and the ones a schema does not meet.

Read from the contract: its ```graphql blocks (types, fields, arguments with types and defaults, input fields,
enum values), the shapes written as comments beside a field (`placeOrder(...): PlaceOrderPayload!  # { order,
userErrors }`, `customer: CustomerInput!  # { id: ID!, ... }`, `weights: ...  # distance, ...: Float`), the
`# X gains: ...` lines (`# Query.availability gains: asOf: DateTime` adds an argument), and the conventions'
`UserError` type, `ErrorCode` values and connection shapes. A type written in the contract is compared with the
schema's as printed (nullability included); a default is compared only where the contract writes one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import cast

from graphql import (
    EnumTypeDefinitionNode,
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLObjectType,
    GraphQLSchema,
    InputObjectTypeDefinitionNode,
    InputValueDefinitionNode,
    ObjectTypeDefinitionNode,
    ast_from_value,
    parse,
    print_ast,
)
from graphql.pyutils import Undefined


@dataclass(frozen=True)
class Name:
    """One name the contract fixes: a type, `Type.field`, `Type.field(arg)` or an enum value `Type.VALUE`."""

    kind: str  # "type", "field", "arg", "value"
    owner: str  # the type (for "arg": "Type.field")
    name: str
    type: str | None = None  # as written, e.g. "[String!]!"; None: the contract names it without a type
    default: str | None = None  # as written, e.g. "false", "PDP"; None: no default written

    def __str__(self) -> str:
        where = {"type": self.name, "field": f"{self.owner}.{self.name}", "value": f"{self.owner}.{self.name}"}
        label = where.get(self.kind, f"{self.owner}({self.name})")
        return label + (f": {self.type}" if self.type else "") + (f" = {self.default}" if self.default else "")


def graphql_blocks(text: str) -> list[str]:
    return re.findall(r"```graphql\n(.*?)```", text, re.S)


def names(text: str, schema: GraphQLSchema) -> list[Name]:
    found: list[Name] = []
    for block in graphql_blocks(text):
        found += from_sdl(block)
        found += from_shape_comments(block)
    found += from_gains(text, schema)
    found += from_conventions(text)
    return list(dict.fromkeys(found))


def from_sdl(sdl: str) -> list[Name]:
    found: list[Name] = []
    for node in parse(sdl).definitions:
        if not isinstance(node, ObjectTypeDefinitionNode | InputObjectTypeDefinitionNode | EnumTypeDefinitionNode):
            continue
        owner = node.name.value
        found.append(Name("type", owner, owner))
        if isinstance(node, EnumTypeDefinitionNode):
            found += [Name("value", owner, v.name.value) for v in node.values or ()]
            continue
        for field in node.fields or ():
            found.append(Name("field", owner, field.name.value, print_ast(field.type), _default(field)))
            for arg in getattr(field, "arguments", None) or ():
                where = f"{owner}.{field.name.value}"
                found.append(Name("arg", where, arg.name.value, print_ast(arg.type), _default(arg)))
    return found


def _default(node: object) -> str | None:
    value = getattr(node, "default_value", None) if isinstance(node, InputValueDefinitionNode) else None
    return print_ast(value) if value is not None else None


_SHAPE = re.compile(r"(\w+)(?:\([^#]*\))?\s*:\s*\[?(\w+)[\]!]*\s*\}?\s*#\s*\{(.*)\}\s*$")
_SAME_TYPE_LIST = re.compile(r"(\w+)\s*:\s*(\w+Input)\s*#\s*(\w+(?:\s*,\s*\w+)+):\s*(\w+)")


def from_shape_comments(block: str) -> list[Name]:
    """`field: Payload!  # { a, b: T }` names fields of Payload; `field: In  # a, b: Float` fields of In."""
    found: list[Name] = []
    for line in block.splitlines():
        if shape := _SHAPE.search(line):
            owner = shape.group(2)
            for entry in _top_level_split(shape.group(3)):
                name, _, type_ = entry.partition(":")
                found.append(Name("field", owner, name.strip(), type_.strip() or None))
        elif same := _SAME_TYPE_LIST.search(line):
            owner, type_ = same.group(2), same.group(4)
            found += [Name("field", owner, n.strip(), type_) for n in same.group(3).split(",") if n.strip()]
    return found


def _top_level_split(entries: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in entries:
        depth += char in "([{"
        depth -= char in ")]}"
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [p.strip() for p in [*parts, current] if p.strip()]


_GAINS = re.compile(r"#\s*([\w.]+(?:\s+and\s+\w+)*)\s+gains?:\s*(.+?)\s*$", re.M)


def from_gains(text: str, schema: GraphQLSchema) -> list[Name]:
    """`# X gains: f: T, g: U`, `# E gains: A, B`, `# X and Y gain: f: T (why)`, `# Query.f gains: arg: T`."""
    found: list[Name] = []
    for owners, written in _GAINS.findall(text):
        body = re.sub(r"\s+\((?![\w]+:)[^)]*\)$", "", written)  # a trailing "(explanation)", not "(arg: T)"
        for owner in re.split(r"\s+and\s+", owners):
            if "." in owner:
                type_name, field = owner.split(".", 1)
                sdl = f"type {type_name} {{ {field}({body}): Int }}"
                found += [n for n in from_sdl(sdl) if n.kind == "arg"]
                continue
            kind = schema.get_type(owner)
            keyword = "enum" if isinstance(kind, GraphQLEnumType) else "input" if owner.endswith("Input") else "type"
            found += [n for n in from_sdl(f"{keyword} {owner} {{ {body} }}") if n.kind != "type"]
            found.append(Name("type", owner, owner))
    return found


def from_conventions(text: str) -> list[Name]:
    """The conventions' inline `type UserError { ... }`, `ErrorCode` values, and connection shapes."""
    found: list[Name] = []
    for sdl in re.findall(r"`((?:type|input|enum) \w+ \{[^`]*\})`", text):
        found += from_sdl(sdl)
    if at_least := re.search(r"`ErrorCode` has at least ([^.]*)\.", text):
        found += [Name("value", "ErrorCode", v) for v in re.findall(r"`([A-Z_]+)`", at_least.group(1))]
    for connection in ("OrderConnection", "TaskConnection", "WebhookDeliveryConnection"):
        found += [Name("field", connection, "edges"), Name("field", connection, "pageInfo")]
        edge = connection.replace("Connection", "Edge")
        found += [Name("field", edge, "cursor"), Name("field", edge, "node")]
    found += [Name("field", "PageInfo", "hasNextPage"), Name("field", "PageInfo", "endCursor")]
    return found


def unmet(schema: GraphQLSchema, expected: list[Name]) -> list[str]:
    """Each expectation the schema does not meet, with what the schema has instead."""
    problems: list[str] = []
    for name in expected:
        problem = _check(schema, name)
        if problem:
            problems.append(f"{name}: {problem}")
    return problems


def _check(schema: GraphQLSchema, name: Name) -> str | None:
    if name.kind == "arg":
        type_name, field_name = name.owner.split(".", 1)
        owner = schema.get_type(type_name)
        field = getattr(owner, "fields", {}).get(field_name)
        if field is None:
            return f"no field {name.owner}"
        arg = field.args.get(name.name)
        return "missing" if arg is None else _compare(arg.type, arg, name)
    owner = schema.get_type(name.owner)
    if owner is None:
        return "no such type" if name.kind == "type" else f"no type {name.owner}"
    if name.kind == "type":
        return None
    if name.kind == "value":
        if not isinstance(owner, GraphQLEnumType):
            return f"{name.owner} is no enum"
        return None if name.name in owner.values else "missing"
    if not isinstance(owner, GraphQLObjectType | GraphQLInputObjectType):
        return f"{name.owner} has no fields"
    field = owner.fields.get(name.name)
    if field is None:
        return "missing"
    return _compare(field.type, field, name)


def _compare(type_: object, holder: object, name: Name) -> str | None:
    if name.type is not None and str(type_) != name.type:
        return f"the schema has {type_}"
    if name.default is None:
        return None
    default = getattr(holder, "default_value", Undefined)
    if isinstance(holder, GraphQLArgument | GraphQLInputField):
        printed = None if default is Undefined else ast_from_value(default, _input(type_))
        actual = print_ast(printed) if printed is not None else "(none)"
        if actual != name.default:
            return f"the schema's default is {actual}"
    return None


def _input(type_: object) -> GraphQLInputType:
    return cast(GraphQLInputType, type_)  # an argument's or input field's type
