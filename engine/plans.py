"""Plans: what to do for each selection of an operation, decided once and reused for every request.

A plan is built per (schema, document, operation name, the outcome of every `@skip`/`@include`
that depends on a variable, hide_suggestions). Within one plan the set of fields at every position
is fixed, so it is collected once (with graphql-core's own `collect_fields`, so merging, fragments,
aliases and directives mean exactly what the specification says). For each field the plan keeps:
how to get the value (the resolver, or a direct attribute read when the field has no resolver of
its own), its arguments when they are literals (coerced once), and a completer specialised to its
return type (`engine.completion`). Selections below a field are planned on first use per concrete
runtime type and kept, so abstract types resolve through a map of object type -> plan.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from enum import Enum
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    OperationDefinitionNode,
    VariableNode,
    Visitor,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    is_specified_scalar_type,
    visit,
)
from graphql.execution.collect_fields import FieldDetails, FragmentDetails, collect_fields, collect_subfields
from graphql.execution.values import VariableValues, get_argument_values
from graphql.type.directives import GraphQLDisableErrorPropagationDirective

from engine import incremental

Completer = Callable[..., Any]
EMPTY_ARGUMENTS: dict[str, Any] = {}


class FieldPlan:
    """One response key of one object type: how to read it and how to complete it."""

    __slots__ = (
        "arguments",
        "attribute",
        "cacheable_arguments",
        "children",
        "complete",
        "definition",
        "details",
        "direct",
        "dynamic_arguments",
        "key",
        "leaf",
        "literal_arguments",
        "name",
        "needs_info",
        "nodes",
        "parent_name",
        "parent_type",
        "resolve",
        "return_type",
        "stream_refusal",
    )

    def __init__(self, parent_type: GraphQLObjectType, key: str, definition: GraphQLField, details: list[FieldDetails]):
        first = details[0].node
        self.key = key
        self.name = first.name.value
        self.parent_type = parent_type
        self.parent_name = parent_type.name
        self.definition = definition
        self.return_type: GraphQLOutputType = definition.type
        self.details = details
        self.nodes: list[FieldNode] = [d.node for d in details]
        self.resolve = definition.resolve
        self.attribute = attribute_of(definition) if not (definition.args or first.arguments) else None
        self.arguments: dict[str, Any] | None = EMPTY_ARGUMENTS
        self.dynamic_arguments = False
        self.cacheable_arguments = True  # coerced once per plan (literals) or per request (variables)
        self.literal_arguments: dict[str, Any] | None = None  # coerced once, copied for each call
        self.children: dict[GraphQLObjectType, ObjectPlan] = {}
        # a list of leaves is no leaf: its items have paths
        self.leaf = is_leaf_type(get_nullable_type(self.return_type))
        self.needs_info = False
        self.direct = False  # read as a plain attribute and completed without info: run.execute_fields inlines it
        self.stream_refusal: Exception | None = None
        self.complete: Completer = _unset


def _unset(*_: Any) -> Any:  # pragma: no cover - replaced while planning
    raise AssertionError("completer not planned")


class ObjectPlan:
    """The fields to execute for one concrete object type at one position of the response."""

    __slots__ = ("deferred", "fields", "type")

    def __init__(self, object_type: GraphQLObjectType, fields: list[FieldPlan], deferred: str | None = None):
        self.type = object_type
        self.fields = fields
        self.deferred = deferred  # why this selection cannot run (it defers), as graphql-core words it


class OperationPlan:
    """The operation's root plan and what every request of it shares."""

    __slots__ = (
        "condition_variables",
        "document",
        "error_propagation",
        "fragment_definitions",
        "fragments",
        "operation",
        "planner",
        "root",
        "root_type",
        "variants",
    )

    def __init__(
        self,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        fragment_definitions: dict[str, FragmentDefinitionNode],
        fragments: dict[str, FragmentDetails],
        planner: Planner,
        conditions: tuple[str, ...] | None = None,
    ):
        self.document = document
        self.operation = operation
        self.fragment_definitions = fragment_definitions
        self.fragments = fragments
        self.condition_variables = conditions if conditions is not None else condition_variables(document)
        self.error_propagation = not any(
            d.name.value == GraphQLDisableErrorPropagationDirective.name for d in operation.directives or ()
        )
        self.planner = planner
        self.root: ObjectPlan | None = None
        self.root_type: GraphQLObjectType | None = None
        self.variants: dict[tuple[str, ...], OperationPlan] = {}


def attribute_of(definition: GraphQLField) -> str | None:
    """The attribute to read when the field's resolver is Strawberry's own getattr of a plain field."""
    resolve = definition.resolve
    if resolve is None or not getattr(resolve, "_is_default", False) or resolve.__name__ != "_get_basic_result":
        return None  # Strawberry wraps fields with extensions, permissions or exception handlers otherwise
    strawberry_field = (definition.extensions or {}).get("strawberry-definition")
    if strawberry_field is None or not getattr(strawberry_field, "is_basic_field", False):
        return None
    if getattr(strawberry_field, "base_resolver", None) is not None:
        return None
    if getattr(strawberry_field, "default_resolver", None) is not builtins.getattr:
        return None
    name = getattr(strawberry_field, "python_name", None)
    return name if isinstance(name, str) else None


class Planner:
    """Builds field and object plans for one operation plan; completers come from `engine.completion`."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDetails],
        operation: OperationDefinitionNode,
        hide_suggestions: bool,
        build_completer: Callable[[FieldPlan, GraphQLOutputType], Completer],
        needs_info: Callable[[GraphQLOutputType], bool],
    ):
        self.schema = schema
        self.fragments = fragments
        self.operation = operation
        self.hide_suggestions = hide_suggestions
        self.build_completer = build_completer
        self.completion_needs_info = needs_info
        self.static = not any(f.variable_signatures for f in fragments.values())

    def root(self, root_type: GraphQLObjectType, variables: VariableValues) -> ObjectPlan:
        collected = collect_fields(
            self.schema, self.fragments, variables, root_type, self.operation, self.hide_suggestions
        )
        return self._object(root_type, collected.grouped_field_set, collected.new_defer_usages, variables)

    def children(self, field: FieldPlan, object_type: GraphQLObjectType, variables: VariableValues) -> ObjectPlan:
        """The selection below `field` for one runtime object type, planned once and kept."""
        collected = collect_subfields(
            self.schema,
            self.fragments,
            variables,
            self.operation,
            object_type,
            field.details,
            self.hide_suggestions,
        )
        plan = self._object(object_type, collected.grouped_field_set, collected.new_defer_usages, variables)
        field.children[object_type] = plan
        return plan

    def _object(
        self,
        object_type: GraphQLObjectType,
        grouped: dict[str, list[FieldDetails]],
        defers: list[Any],
        variables: VariableValues,
    ) -> ObjectPlan:
        fields: list[FieldPlan] = []
        for key, details in grouped.items():
            definition = self.schema.get_field(object_type, details[0].node.name.value)
            if definition is None:
                continue  # unknown fields are left out, as graphql-core does
            field = self._field(object_type, key, definition, details)
            if is_list_type(get_nullable_type(definition.type)) and details[0].node.directives:
                field.stream_refusal = incremental.stream_refusal(self.operation, details[0].node, variables)
            fields.append(field)
        deferred = incremental.defer_refusal(self.operation) if defers else None
        return ObjectPlan(object_type, fields, deferred)

    def _field(
        self, parent: GraphQLObjectType, key: str, definition: GraphQLField, details: list[FieldDetails]
    ) -> FieldPlan:
        field = FieldPlan(parent, key, definition, details)
        first = details[0]
        if definition.args or first.node.arguments:
            field.cacheable_arguments = all(_pure_input(a.type) for a in definition.args.values())
            literal = first.fragment_variable_values is None and not _mentions_variables(first.node)
            cached = literal and field.cacheable_arguments
            coerced = _coerced_once(definition, first.node) if cached else None
            if coerced is not None and all(immutable(v) for v in coerced.values()):
                field.arguments = coerced
            else:
                field.arguments = None
                if coerced is not None and all(plain(v) for v in coerced.values()):
                    field.literal_arguments = coerced
            field.dynamic_arguments = field.arguments is None
        field.complete = self.build_completer(field, field.return_type)
        field.needs_info = field.attribute is None or self.completion_needs_info(field.return_type)
        field.direct = not field.needs_info
        return field


def _coerced_once(definition: GraphQLField, node: FieldNode) -> dict[str, Any] | None:
    """Literal arguments are coerced at planning time. Shared as they are when every value is immutable;
    when some are lists or dicts of immutable values, each call gets a copy (a resolver may change a list
    or dict it is given: Strawberry's `_entities` does); errors are left to each request to raise."""
    try:
        return get_argument_values(definition, node, None)  # type: ignore[no-any-return]
    except (GraphQLError, TypeError, ValueError):
        return None


def _pure_input(input_type: Any) -> bool:
    """Built-in scalars and enums coerce the same way every time; a custom scalar may not (a "now")."""
    named = get_named_type(input_type)
    return isinstance(named, GraphQLEnumType) or is_specified_scalar_type(named)


IMMUTABLE = (str, int, float, bool, type(None), Enum, frozenset)


def immutable(value: Any) -> bool:
    if isinstance(value, tuple):
        return all(immutable(v) for v in value)
    return isinstance(value, IMMUTABLE)


def plain(value: Any) -> bool:
    """Lists and dicts, however nested, of immutable values: `copied` makes an equal fresh one."""
    if value.__class__ is list:
        return all(plain(v) for v in value)
    if value.__class__ is dict:
        return all(isinstance(k, str) and plain(v) for k, v in value.items())
    return immutable(value)


def copied(value: Any) -> Any:
    if value.__class__ is list:
        return [copied(v) for v in value]
    if value.__class__ is dict:
        return {k: copied(v) for k, v in value.items()}
    return value


class _VariableFinder(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_variable(self, *_: Any) -> Any:
        self.found = True
        return Visitor.BREAK


def _mentions_variables(node: FieldNode) -> bool:
    finder = _VariableFinder()
    for argument in node.arguments or ():
        visit(argument, finder)
    return finder.found


def condition_variables(document: DocumentNode) -> tuple[str, ...]:
    """Variables that `@skip`/`@include` (and `@defer`/`@stream`) read in `if:`: their values pick the plan."""
    names: list[str] = []

    class Conditions(Visitor):
        def enter_directive(self, node: Any, *_: Any) -> None:
            if node.name.value in ("skip", "include", "defer", "stream"):
                for argument in node.arguments or ():
                    if isinstance(argument.value, VariableNode) and argument.value.name.value not in names:
                        names.append(argument.value.name.value)

    visit(document, Conditions())
    return tuple(names)
