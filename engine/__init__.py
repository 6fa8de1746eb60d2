"""Planned execution for graphql-core schemas (Strawberry's included).

A drop-in for `graphql.execute` and `graphql.execute_sync`: the same arguments, the
same `ExecutionResult`, the specification's semantics. Each (schema, document,
operation) is planned once -- fields collected, fragments and aliases flattened,
literal arguments coerced, a completer chosen per return type, direct attribute
reads where a field has no resolver of its own -- and the plan is cached; each
request then only runs it. Subscriptions run each event's selection from the plan
(`subscribe`, or `planned_events(executor_class)` for a server that calls graphql-core's
`subscribe` itself, as Strawberry does). It knows GraphQL and nothing of any application.
"""

from engine.api import PLANS, Unsupported, execute, execute_sync
from engine.documents import graphql, graphql_sync, prepared
from engine.subscriptions import planned_events, subscribe

__all__ = [
    "PLANS",
    "Unsupported",
    "execute",
    "execute_sync",
    "graphql",
    "graphql_sync",
    "planned_events",
    "prepared",
    "subscribe",
]
