"""From source text to result, like `graphql.graphql`: parse and validation results cached too.

A server that parses and validates itself (Strawberry with ParserCache and ValidationCache)
calls `execute`; one that hands over text calls `graphql` or `graphql_sync`. The same text
parses to the same document object, which is what the plan cache keys on, so a repeated
operation costs one dictionary look-up before its plan runs.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from graphql import DocumentNode, ExecutionResult, GraphQLError, GraphQLSchema, parse, validate, validate_schema
from graphql.pyutils import is_awaitable

from engine.api import execute, execute_sync

MAX_DOCUMENTS = 1024


class _Bounded(OrderedDict[Any, Any]):
    def remember(self, key: Any, value: Any) -> Any:
        self[key] = value
        while len(self) > MAX_DOCUMENTS:
            self.popitem(last=False)
        return value

    def recall(self, key: Any) -> Any:
        found = self.get(key)
        if found is not None:
            self.move_to_end(key)
        return found


_PARSED = _Bounded()
_VALIDATED = _Bounded()


def prepared(schema: GraphQLSchema, source: str) -> DocumentNode | list[GraphQLError]:
    """The parsed document, or the schema's, syntax or validation errors; all kept for the next time."""
    schema_errors = validate_schema(schema)  # graphql-core caches this on the schema itself
    if schema_errors:
        return list(schema_errors)
    document = _PARSED.recall(source)
    if document is None:
        try:
            document = _PARSED.remember(source, parse(source))
        except GraphQLError as error:
            return [error]
    key = (id(schema), id(document))
    checked = _VALIDATED.recall(key)
    if checked is None or checked[0] is not schema or checked[1] is not document:
        checked = _VALIDATED.remember(key, (schema, document, validate(schema, document)))
    errors: list[GraphQLError] = checked[2]
    return errors if errors else document


async def graphql(
    schema: GraphQLSchema,
    source: str,
    root_value: Any = None,
    context_value: Any = None,
    variable_values: dict[str, Any] | None = None,
    operation_name: str | None = None,
    **options: Any,
) -> ExecutionResult:
    """Parse, validate and execute text (all three cached) with the planned engine."""
    result = _from_text(execute, schema, source, (root_value, context_value, variable_values, operation_name), options)
    if is_awaitable(result):
        awaited: ExecutionResult = await result
        return awaited
    return result  # type: ignore[no-any-return]


def graphql_sync(
    schema: GraphQLSchema,
    source: str,
    root_value: Any = None,
    context_value: Any = None,
    variable_values: dict[str, Any] | None = None,
    operation_name: str | None = None,
    **options: Any,
) -> ExecutionResult:
    """Like `graphql` for resolvers that are all synchronous."""
    arguments = (root_value, context_value, variable_values, operation_name)
    return _from_text(execute_sync, schema, source, arguments, options)  # type: ignore[no-any-return]


def _from_text(
    run: Callable[..., Any], schema: GraphQLSchema, source: str, arguments: tuple[Any, ...], options: dict[str, Any]
) -> Any:
    document = prepared(schema, source)
    if isinstance(document, list):
        return ExecutionResult(None, document)
    return run(schema, document, *arguments, **options)


__all__ = ["graphql", "graphql_sync", "prepared"]
