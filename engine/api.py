"""`execute` and `execute_sync`: graphql-core's signatures and results, run from cached plans.

What the engine does not do is refused with `Unsupported`, never handed quietly to graphql-core:
middleware that wraps resolvers, a custom executor class, incremental delivery (@defer/@stream),
abort signals and execution hooks.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable
from inspect import iscoroutine
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    assert_valid_schema,
)
from graphql.execution.collect_fields import FragmentDetails
from graphql.execution.execute import UNEXPECTED_EXPERIMENTAL_DIRECTIVES
from graphql.execution.executor import SELECTIONS_NESTED_TOO_DEEPLY, Executor
from graphql.execution.get_variable_signature import get_variable_signature
from graphql.execution.middleware import MiddlewareManager
from graphql.execution.values import VariableValues, get_variable_values
from graphql.pyutils import is_awaitable as default_is_awaitable
from graphql.pyutils.is_awaitable import is_async_iterable as default_is_async_iterable

from engine import completion
from engine.cache import PlanCache
from engine.plans import OperationPlan, Planner
from engine.run import Run


class Unsupported(GraphQLError):
    """An execution option the planned engine does not implement (use graphql-core for it)."""


PLANS = PlanCache(maxsize=1024)


def execute(
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
    middleware: Any = None,
    executor_class: Any = None,
    is_awaitable: Callable[[Any], bool] | None = None,
    is_async_iterable: Callable[[Any], bool] | None = None,
    hide_suggestions: bool = False,
    abort_signal: Any = None,
    hooks: Any = None,
    **custom_context_args: Any,
) -> ExecutionResult | Awaitable[ExecutionResult]:
    """Execute a GraphQL operation like `graphql.execute`, from a plan built once per document."""
    refuse(middleware, executor_class, abort_signal, hooks)
    if declares_incremental(schema):
        raise GraphQLError(UNEXPECTED_EXPERIMENTAL_DIRECTIVES)
    return _execute(
        schema,
        document,
        root_value,
        context_value,
        variable_values,
        operation_name,
        field_resolver,
        type_resolver,
        max_coercion_errors,
        executor_class,
        is_awaitable,
        is_async_iterable,
        hide_suggestions,
        custom_context_args,
    )


def _execute(
    schema: GraphQLSchema,
    document: DocumentNode,
    root_value: Any,
    context_value: Any,
    variable_values: dict[str, Any] | None,
    operation_name: str | None,
    field_resolver: Callable[..., Any] | None,
    type_resolver: Callable[..., Any] | None,
    max_coercion_errors: int,
    executor_class: Any,
    is_awaitable: Callable[[Any], bool] | None,
    is_async_iterable: Callable[[Any], bool] | None,
    hide_suggestions: bool,
    custom_context_args: dict[str, Any],
) -> ExecutionResult | Awaitable[ExecutionResult]:
    run = prepare(
        schema,
        document,
        root_value,
        context_value,
        variable_values,
        operation_name,
        field_resolver,
        type_resolver,
        max_coercion_errors,
        is_awaitable or default_is_awaitable,
        is_async_iterable or default_is_async_iterable,
        hide_suggestions,
    )
    if isinstance(run, list):
        return ExecutionResult(None, errors=run)
    if executor_class is not None:
        builder = executor_class.build_resolve_info
        run.info_builder = None if builder is Executor.build_resolve_info else builder
        for name, value in custom_context_args.items():
            setattr(run, name, value)
    elif custom_context_args:
        raise Unsupported(f"Unknown execute arguments: {', '.join(sorted(custom_context_args))}.")
    return execute_operation(run)


def execute_sync(
    schema: GraphQLSchema,
    document: DocumentNode,
    root_value: Any = None,
    context_value: Any = None,
    variable_values: dict[str, Any] | None = None,
    operation_name: str | None = None,
    field_resolver: Callable[..., Any] | None = None,
    type_resolver: Callable[..., Any] | None = None,
    max_coercion_errors: int = 50,
    middleware: Any = None,
    executor_class: Any = None,
    check_sync: bool = False,
    hide_suggestions: bool = False,
    abort_signal: Any = None,
    hooks: Any = None,
) -> ExecutionResult:
    """Like `graphql.execute_sync`: everything must resolve synchronously."""
    refuse(middleware, executor_class, abort_signal, hooks)
    awaitable_check: Callable[[Any], bool] = (
        check_sync if callable(check_sync) else (default_is_awaitable if check_sync else _never)
    )
    # graphql-core's execute_sync does not refuse a schema that declares @defer/@stream; neither does this
    result = _execute(
        schema,
        document,
        root_value,
        context_value,
        variable_values,
        operation_name,
        field_resolver,
        type_resolver,
        max_coercion_errors,
        executor_class,
        awaitable_check,
        _never if not check_sync else None,
        hide_suggestions,
        {},
    )
    if default_is_awaitable(result):
        if iscoroutine(result):
            result.close()
        raise RuntimeError("GraphQL execution failed to complete synchronously.")
    assert isinstance(result, ExecutionResult)
    return result


def _never(_value: Any) -> bool:
    return False


def refuse(middleware: Any, executor_class: Any, abort_signal: Any, hooks: Any) -> None:
    if middleware is not None:
        wraps = middleware.middlewares if isinstance(middleware, MiddlewareManager) else middleware
        if wraps:
            raise Unsupported("The planned engine does not run resolver middleware; use graphql-core's execute.")
    if executor_class is not None and not info_only(executor_class):
        raise Unsupported(
            "The planned engine honours an executor class only when it changes nothing but"
            " `build_resolve_info` (and Strawberry's own `__init__`); use graphql-core's execute for others."
        )
    if abort_signal is not None:
        raise Unsupported("The planned engine does not take an abort signal; use graphql-core's execute.")
    if hooks is not None:
        raise Unsupported("The planned engine does not run execution hooks; use graphql-core's execute.")


INFO_ONLY = frozenset({"__init__", "build_resolve_info", "__module__", "__qualname__", "__doc__", "__dict__"})
INFO_ONLY |= {"__weakref__", "__annotations__", "__firstlineno__", "__static_attributes__", "__parameters__"}
INFO_ONLY |= {"__slotnames__", "__orig_bases__", "_abc_impl"}  # added by copy(), typing and abc at run time


_INFO_ONLY_CLASSES: dict[type, bool] = {}


def info_only(executor_class: type) -> bool:
    """An executor class that only shapes the resolve info: the engine builds info with its
    `build_resolve_info`, called with the run in place of the executor (the same attributes). Its `__init__`
    never runs, so only Strawberry's is accepted (it keeps `operation_extensions`, which the run takes)."""
    known = _INFO_ONLY_CLASSES.get(executor_class)
    if known is None:
        known = _INFO_ONLY_CLASSES[executor_class] = _shapes_info_only(executor_class)
    return known


def _shapes_info_only(executor_class: type) -> bool:
    for cls in executor_class.__mro__:
        if cls.__module__.startswith("graphql."):
            return True
        if "_engine_planned_events" in vars(cls):
            continue  # engine.subscriptions' own class: its events run through plans
        allowed = INFO_ONLY if cls.__module__.startswith("strawberry.") else INFO_ONLY - {"__init__"}
        if set(vars(cls)) - allowed:
            return False
    return True


_INCREMENTAL: dict[int, tuple[GraphQLSchema, bool]] = {}


def declares_incremental(schema: GraphQLSchema) -> bool:
    """Whether the schema declares @defer or @stream (graphql-core's `execute` refuses those), once per schema."""
    known = _INCREMENTAL.get(id(schema))
    if known is None or known[0] is not schema:
        known = _INCREMENTAL[id(schema)] = (
            schema,
            schema.get_directive("defer") is not None or schema.get_directive("stream") is not None,
        )
    return known[1]


def prepare(
    schema: GraphQLSchema,
    document: DocumentNode,
    root_value: Any,
    context_value: Any,
    raw_variables: dict[str, Any] | None,
    operation_name: str | None,
    field_resolver: Callable[..., Any] | None,
    type_resolver: Callable[..., Any] | None,
    max_coercion_errors: int,
    is_awaitable: Callable[[Any], bool],
    is_async_iterable: Callable[[Any], bool],
    hide_suggestions: bool,
) -> list[GraphQLError] | Run:
    """What graphql-core's `Executor.build` checks, then the plan for this request (cached)."""
    assert_valid_schema(schema)
    plan = PLANS.get(schema, document, operation_name, hide_suggestions)
    if plan is None:
        found = _operation_plan(schema, document, operation_name, hide_suggestions)
        if isinstance(found, list):
            return found
        plan = found
        if plan.planner.static:
            PLANS.put(schema, document, operation_name, hide_suggestions, plan)
    variables = get_variable_values(
        schema,
        plan.operation.variable_definitions or (),
        raw_variables or {},
        max_errors=max_coercion_errors,
        hide_suggestions=hide_suggestions,
    )
    if isinstance(variables, list):
        return variables
    plan = plan_for_conditions(plan, variables)
    return Run(
        schema,
        plan,
        root_value,
        context_value,
        variables,
        field_resolver,
        type_resolver,
        is_awaitable,
        is_async_iterable,
    )


def plan_for_conditions(plan: OperationPlan, variables: VariableValues) -> OperationPlan:
    """Documents whose @skip/@include read variables get one plan per combination that occurs."""
    if not plan.condition_variables:
        return plan
    key = tuple(repr(variables.coerced.get(name, _ABSENT)) for name in plan.condition_variables)
    variants = plan.variants
    found = variants.get(key)
    if found is None:
        found = OperationPlan(
            plan.document,
            plan.operation,
            plan.fragment_definitions,
            plan.fragments,
            plan.planner,
            plan.condition_variables,
        )
        if len(variants) < MAX_VARIANTS:
            variants[key] = found
    return found


_ABSENT = object()
MAX_VARIANTS = 64


def _operation_plan(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, hide_suggestions: bool
) -> list[GraphQLError] | OperationPlan:
    operation: OperationDefinitionNode | None = None
    definitions: dict[str, FragmentDefinitionNode] = {}
    fragments: dict[str, FragmentDetails] = {}
    signature_errors: list[GraphQLError] = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            if operation_name is None:
                if operation:
                    return [GraphQLError("Must provide operation name if query contains multiple operations.")]
                operation = definition
            elif definition.name and definition.name.value == operation_name:
                operation = definition
        elif isinstance(definition, FragmentDefinitionNode):
            definitions[definition.name.value] = definition
            signatures = None
            if definition.variable_definitions:
                signatures = {}
                for variable in definition.variable_definitions:
                    signature = get_variable_signature(schema, variable)
                    if isinstance(signature, GraphQLError):
                        signature_errors.append(signature)
                        continue
                    signatures[signature.name] = signature
            fragments[definition.name.value] = FragmentDetails(definition, signatures)
    if not operation:
        if operation_name is not None:
            return [GraphQLError(f"Unknown operation named '{operation_name}'.")]
        return [GraphQLError("Must provide an operation.")]
    if signature_errors:
        return signature_errors
    planner = Planner(schema, fragments, operation, hide_suggestions, completion.build_completer, completion.needs_info)
    plan = OperationPlan(document, operation, definitions, fragments, planner)
    return plan


def execute_operation(run: Run) -> ExecutionResult | Awaitable[ExecutionResult]:
    """The specification's ExecuteOperation: root fields in parallel, or serially for mutations."""
    plan = run.plan
    try:
        operation_type = plan.operation.operation
        root_type = run.schema.get_root_type(operation_type)
        if root_type is None:
            raise GraphQLError(f"Schema is not configured to execute {operation_type.value} operation.", plan.operation)
        if plan.root is None or plan.root_type is not root_type:
            try:
                root = plan.planner.root(root_type, run.variables)
            except RecursionError:
                root = None
            if root is None:
                raise GraphQLError(SELECTIONS_NESTED_TOO_DEEPLY, plan.operation)
            plan.root, plan.root_type = root, root_type
        serially = operation_type == OperationType.MUTATION
        execute_root = run.execute_fields_serially if serially else run.execute_fields
        data = execute_root(plan.root, run.root_value, None)
        if run.is_awaitable(data):
            return _await_response(run, data)
    except GraphQLError as error:
        run.errors.add(error, None)
        return ExecutionResult(None, run.errors.errors or None)
    return ExecutionResult(data, run.errors.errors or None)


async def _await_response(run: Run, data: Any) -> ExecutionResult:
    try:
        awaited = await data
    except GraphQLError as error:
        run.errors.add(error, None)
        return ExecutionResult(None, run.errors.errors or None)
    return ExecutionResult(awaited, run.errors.errors or None)


__all__ = ["PLANS", "AsyncIterable", "Unsupported", "execute", "execute_sync"]
