"""Abuse limits on operations: depth, aliases, tokens, cost; introspection and suggestions off in production.

Depth and alias limits are validation rules that depend on the document only,
so they are built once and the `ValidationCache` stays correct (its key is the
document and the rule classes). Cost depends on variables (`first: $n`), so it
is computed per request just before execution, never cached.

Cost: every selected field costs 1, times the size of the lists above it (a
list of scalars is one field). A
list's size is its `first` (capped at 100, as connections cap it) or `limit` argument, else the length of its longest
list argument (`skus`, `representations`), else `UNSIZED_LIST`; a
connection's `edges` take the connection's size. A field returning one object costs once whatever its
arguments (a bulk mutation's payload is one object, however many rows its input has: their own row limits
bound those).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
    get_operation_ast,
    value_from_ast_untyped,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule

from app.config import Settings
from resolvers.errors import PublicError
from resolvers.pagination import MAX_PAGE

UNSIZED_LIST = 5


def limit_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories (fresh extension instances per request) sharing rule classes built once."""
    rules: list[Any] = [depth_rule(settings.max_depth, None, None), alias_rule(settings.max_aliases)]
    if settings.production:
        rules.append(NoSchemaIntrospectionCustomRule)
    max_tokens, max_cost, max_cost_anonymous = settings.max_tokens, settings.max_cost, settings.max_cost_anonymous
    return [
        lambda: MaxTokensLimiter(max_tokens),
        lambda: AddValidationRules(rules),
        lambda: CostLimit(max_cost, max_cost_anonymous),
    ]


class CostLimit(SchemaExtension):
    """Refuse an operation whose estimated cost is over the caller's limit, before any resolver runs.

    Anonymous callers get a lower limit; decided here per request, never in the cached validation.
    """

    def __init__(self, max_cost: int, max_cost_anonymous: int) -> None:
        self.max_cost = max_cost
        self.max_cost_anonymous = max_cost_anonymous
        self.refused: dict[str, int] | None = None

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.operation_type.value != "subscription":
            principal = getattr(context.context, "principal", None)
            limit = self.max_cost_anonymous if principal is None or principal.anonymous else self.max_cost
            variables = context.variables if isinstance(context.variables, Mapping) else {}  # graphql-core refuses
            cost = operation_cost(context.schema._schema, document, context.operation_name, variables)
            if cost > limit:
                self.refused = {"requested": cost, "maximum": limit}
                error = PublicError(f"Operation cost {cost} is over the limit of {limit}", "BAD_REQUEST")
                error.extensions["cost"] = self.refused  # type: ignore[index]
                context.result = GraphQLExecutionResult(data=None, errors=[error])
        yield

    def get_results(self) -> dict[str, Any]:
        return {"cost": self.refused} if self.refused else {}


def subscription_cost_check(info: Any, anonymous: bool, settings: Settings) -> None:
    """The cost limit for a subscription, checked as its stream starts (the per-request extension cannot stop
    a subscription): the cost of one event's selection, against the caller's limit."""
    document = DocumentNode(definitions=(info.operation, *info.fragments.values()))
    cost = operation_cost(info.schema, document, None, info.variable_values or {})
    limit = settings.max_cost_anonymous if anonymous else settings.max_cost
    if cost > limit:
        error = PublicError(f"Operation cost {cost} is over the limit of {limit}", "BAD_REQUEST")
        error.extensions["cost"] = {"requested": cost, "maximum": limit}  # type: ignore[index]
        raise error


def operation_cost(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any]
) -> int:
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    root = schema.get_root_type(operation.operation)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return _Cost(schema, fragments, variables).of(operation.selection_set, root, set())


class _Cost:
    def __init__(
        self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], variables: Mapping[str, Any]
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def of(self, selection_set: SelectionSetNode | None, parent: Any, seen: set[str]) -> int:
        if selection_set is None:
            return 0
        total = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                total += self._field(node, parent, seen)
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                total += self.of(node.selection_set, inner, seen)
            elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
                fragment = self.fragments.get(node.name.value)
                if fragment is not None:
                    inner = self.schema.get_type(fragment.type_condition.name.value)
                    total += self.of(fragment.selection_set, inner, seen | {node.name.value})
        return total

    def _field(self, node: FieldNode, parent: Any, seen: set[str]) -> int:
        fields = getattr(parent, "fields", None) or {}
        definition = fields.get(node.name.value)
        if definition is None or node.selection_set is None:  # scalars (lists of them too), __typename: one step
            return 1
        variables = dict(self.variables)
        args = {a.name.value: value_from_ast_untyped(a.value, variables) for a in node.arguments or ()}
        size = self._size(definition.type, args, node.name.value)
        return size * (1 + self.of(node.selection_set, get_named_type(definition.type), seen))

    @staticmethod
    def _size(type_: GraphQLOutputType, args: dict[str, Any], name: str) -> int:
        first = args.get("first")
        if isinstance(first, int):
            return max(1, min(first, MAX_PAGE))  # connections cap `first` at MAX_PAGE
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if not isinstance(inner, GraphQLList):
            return 1  # one object (a bulk mutation's payload too): its input's length does not multiply it
        if isinstance(args.get("limit"), int):
            return max(1, int(args["limit"]))
        lists = [len(v) for v in args.values() if isinstance(v, list)]
        if lists:
            return max(1, *lists)
        return 1 if name == "edges" else UNSIZED_LIST


_SUGGESTION = re.compile(r" Did you mean .*\?$")


def without_suggestions(error: GraphQLError) -> GraphQLError:
    """The same error without "Did you mean ...?" (production: do not map the schema for strangers)."""
    message = _SUGGESTION.sub("", error.message)
    if message == error.message:
        return error
    return GraphQLError(
        message, error.nodes, error.source, error.positions, error.path, error.original_error, error.extensions
    )
