"""What graphql-core says when an operation it runs without incremental delivery would defer or stream.

The engine delivers one payload per operation. A subscription event (graphql-core's
`ExecutorThrowingOnIncremental`) that meets an active `@defer` or `@stream` gets the same
error graphql-core gives, decided while planning (their `if:` variables are part of the
plan's key).
"""

from __future__ import annotations

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType
from graphql.execution.executor import DEFER_NOT_SUPPORTED_ON_SUBSCRIPTIONS, UNEXPECTED_MULTIPLE_PAYLOADS
from graphql.execution.values import VariableValues, get_directive_values
from graphql.type.directives import GraphQLStreamDirective

STREAM_NOT_SUPPORTED_ON_SUBSCRIPTIONS = (
    "`@stream` directive not supported on subscription operations."
    " Disable `@stream` by setting the `if` argument to `false`."
)


def defer_refusal(operation: OperationDefinitionNode) -> str:
    if operation.operation == OperationType.SUBSCRIPTION:
        return DEFER_NOT_SUPPORTED_ON_SUBSCRIPTIONS
    return UNEXPECTED_MULTIPLE_PAYLOADS


def stream_refusal(operation: OperationDefinitionNode, node: FieldNode, variables: VariableValues) -> Exception | None:
    """The error a list field with an active `@stream` raises (checked in graphql-core's order)."""
    stream = get_directive_values(GraphQLStreamDirective, node, variables)
    if not stream or stream.get("if") is False:
        return None
    initial_count = stream.get("initialCount")
    if initial_count is None or initial_count < 0:
        return ValueError("initialCount must be a positive integer")
    if operation.operation == OperationType.SUBSCRIPTION:
        return GraphQLError(STREAM_NOT_SUPPORTED_ON_SUBSCRIPTIONS)
    return GraphQLError(UNEXPECTED_MULTIPLE_PAYLOADS)


def fresh(error: Exception) -> Exception:
    """A new exception each time: one raised object must not collect locations and paths twice."""
    return type(error)(str(error))
