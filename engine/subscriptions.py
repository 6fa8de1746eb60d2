"""Subscriptions: graphql-core opens the source stream; every event's selection runs through the plan.

The subscription root field's resolver runs once per subscription, so graphql-core's own
`create_source_event_stream` keeps doing it (with its variable coercion and errors). What
runs once per event -- the whole selection set below the root field -- is the plan's work:
`planned_events(executor_class)` gives an executor class whose per-event executor runs the
operation's plan with the event as the root value. `subscribe` is the drop-in for
`graphql.subscribe` built on it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from graphql import DocumentNode, ExecutionResult, GraphQLSchema
from graphql.execution import subscribe as graphql_subscribe
from graphql.execution.executor import Executor
from graphql.execution.executor_throwing_on_incremental import ExecutorThrowingOnIncremental
from graphql.pyutils import AwaitableOrValue

from engine import completion
from engine.api import PLANS, Unsupported, execute_operation, info_only, plan_for_conditions
from engine.plans import OperationPlan, Planner
from engine.run import Run

PLANNED_EVENTS = "_engine_planned_events"


def planned_events(executor_class: type[Executor[Any]] | None = None) -> type[Executor[Any]]:
    """`executor_class` (graphql-core's default for subscriptions when None) with events run by plans."""
    base = executor_class or ExecutorThrowingOnIncremental
    if getattr(base, PLANNED_EVENTS, False):
        return base
    if not info_only(base):
        raise Unsupported("The planned engine runs subscription events only for executor classes that shape info.")

    class PlannedEvents(base):  # type: ignore[valid-type, misc]
        _engine_planned_events = True

        def build_per_event_executor(self, payload: Any) -> Any:
            return PlannedEvent(self, payload)

    PlannedEvents.__name__ = PlannedEvents.__qualname__ = f"Planned{base.__name__}"
    return PlannedEvents


class PlannedEvent:
    """Stands where graphql-core's per-event executor stands: `execute_operation` runs the plan."""

    __slots__ = ("executor", "payload")

    def __init__(self, executor: Executor[Any], payload: Any):
        self.executor = executor
        self.payload = payload

    @property
    def root_value(self) -> Any:
        return self.payload

    def execute_operation(self, serially: bool | None = None) -> AwaitableOrValue[ExecutionResult]:
        executor = self.executor
        manager = executor.middleware_manager
        if (manager is not None and manager.middlewares) or executor.abort_signal or executor.hooks:
            raise Unsupported("The planned engine runs no middleware, abort signal or hooks for subscription events.")
        run = Run(
            executor.schema,
            plan_for_conditions(event_plan(executor), executor.variable_values),
            self.payload,
            executor.context_value,
            executor.variable_values,
            executor.field_resolver,
            executor.type_resolver,
            executor.is_awaitable,
            executor.is_async_iterable,
        )
        builder = type(executor).build_resolve_info
        if builder is not Executor.build_resolve_info:
            run.info_builder = builder
            run.operation_extensions = getattr(executor, "operation_extensions", None)  # type: ignore[attr-defined]
        return execute_operation(run)


def event_plan(executor: Executor[Any]) -> OperationPlan:
    """One plan per subscription operation (the parser cache hands out the same operation node)."""
    operation = executor.operation
    cached = PLANS.get(executor.schema, operation, None, executor.hide_suggestions)  # type: ignore[arg-type]
    if cached is not None:
        return cached
    planner = Planner(
        executor.schema,
        executor.fragments,
        operation,
        executor.hide_suggestions,
        completion.build_completer,
        completion.needs_info,
    )
    plan = OperationPlan(
        DocumentNode(definitions=(operation, *(f.definition for f in executor.fragments.values()))),
        operation,
        executor.fragment_definitions,
        executor.fragments,
        planner,
    )
    if planner.static:
        PLANS.put(executor.schema, operation, None, executor.hide_suggestions, plan)  # type: ignore[arg-type]
    return plan


def subscribe(
    schema: GraphQLSchema,
    document: DocumentNode,
    root_value: Any = None,
    context_value: Any = None,
    variable_values: dict[str, Any] | None = None,
    operation_name: str | None = None,
    field_resolver: Callable[..., Any] | None = None,
    type_resolver: Callable[..., Any] | None = None,
    subscribe_field_resolver: Callable[..., Any] | None = None,
    max_coercion_errors: int = 50,
    enable_early_execution: bool = False,
    executor_class: type[Executor[Any]] | None = None,
    middleware: Any = None,
    hide_suggestions: bool = False,
    **custom_context_args: Any,
) -> AwaitableOrValue[AsyncIterator[ExecutionResult] | ExecutionResult]:
    """Like `graphql.subscribe`; each event is executed from the operation's plan."""
    from engine.api import refuse

    refuse(middleware, None, None, None)
    return graphql_subscribe(
        schema,
        document,
        root_value,
        context_value,
        variable_values,
        operation_name,
        field_resolver,
        type_resolver,
        subscribe_field_resolver,
        max_coercion_errors,
        enable_early_execution,
        planned_events(executor_class),
        None,
        hide_suggestions,
        **custom_context_args,
    )
