"""One request running an operation plan: field execution, errors, null propagation, async.

The order of work, the places where sibling awaitables are gathered (and cancelled when a
non-null error propagates), error location and the `CollectedErrors` bookkeeping follow
graphql-core's executor step for step, so answers and errors are the same; what differs is
that every decision that depends only on the document was taken while planning.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    located_error,
)
from graphql.execution.executor import CollectedErrors, default_field_resolver
from graphql.execution.values import VariableValues, get_argument_values
from graphql.pyutils import Path, gather_with_cancel
from graphql.type.definition import GraphQLResolveInfoHelpers

from engine.awaitables import PLAIN, AwaitableCheck, learned_plain, type_decides
from engine.background import BackgroundWork
from engine.lists import ListCompletion
from engine.objects import ObjectCompletion
from engine.plans import EMPTY_ARGUMENTS, FieldPlan, ObjectPlan, OperationPlan, copied, immutable


class Run(ListCompletion, ObjectCompletion, BackgroundWork):
    """The state of one request: its variables, context, root value and collected errors."""

    def __init__(
        self,
        schema: GraphQLSchema,
        plan: OperationPlan,
        root_value: Any,
        context_value: Any,
        variables: VariableValues,
        field_resolver: Callable[..., Any] | None,
        type_resolver: Callable[..., Any] | None,
        is_awaitable: AwaitableCheck,
        is_async_iterable: AwaitableCheck,
    ):
        self.schema = schema
        self.plan = plan
        self.root_value = root_value
        self.context_value = context_value
        self.variables = variables
        self.field_resolver = field_resolver or default_field_resolver
        self.default_resolver = self.field_resolver is default_field_resolver
        self.type_resolver = type_resolver
        self.is_awaitable = is_awaitable
        self.is_async_iterable = is_async_iterable
        self.plain = learned_plain(is_awaitable)
        self.errors = CollectedErrors()
        self.error_propagation = plan.error_propagation
        self.arguments: dict[FieldPlan, dict[str, Any]] = {}
        self.background: set[Any] = set()
        self.helpers = GraphQLResolveInfoHelpers(gather=self._gather_work, track=self._track_work)
        self.info_builder: Callable[..., GraphQLResolveInfo[Any]] | None = None
        # What an executor class's `build_resolve_info` reads from `self` (see engine.api.info_only):
        self.fragment_definitions = plan.fragment_definitions
        self.operation = plan.operation
        self.variable_values = variables
        self.abort_signal = None
        self.async_helpers = self.helpers
        self.operation_extensions: Any = None

    def awaitable(self, value: Any) -> bool:
        """`is_awaitable`, learning classes whose instances never are (see `learned_plain`)."""
        if self.is_awaitable(value):
            return True
        cls = value.__class__
        plain = self.plain
        if plain is not PLAIN and type(value) is cls and type_decides(cls, value):
            plain.add(cls)  # type: ignore[union-attr]
        return False

    # -- planning on first use ---------------------------------------------------------------

    def plan_children(self, field: FieldPlan, object_type: GraphQLObjectType) -> ObjectPlan:
        return self.plan.planner.children(field, object_type, self.variables)

    # -- fields ------------------------------------------------------------------------------

    def info(self, field: FieldPlan, path: Path) -> GraphQLResolveInfo[Any]:
        if self.info_builder is not None:
            return self.info_builder(self, field.definition, field.nodes, field.parent_type, path)
        plan = self.plan
        return GraphQLResolveInfo(
            field.name,
            field.nodes,
            field.return_type,
            field.parent_type,
            path,
            self.schema,
            plan.fragment_definitions,
            self.root_value,
            plan.operation,
            self.variables,
            self.context_value,
            self.is_awaitable,  # type: ignore[arg-type]
            None,
            self.helpers,
        )

    def field_arguments(self, field: FieldPlan) -> dict[str, Any]:
        """Arguments that read variables are coerced once per request (the same for every object) when every
        value is immutable; otherwise for each call, as graphql-core does, since a resolver may change them."""
        cached: dict[str, Any] | None = self.arguments.get(field)
        if cached is not None:
            return cached
        literal = field.literal_arguments
        if literal is not None:  # coerced when planned: a fresh copy, as coercing again would give
            return {name: copied(value) for name, value in literal.items()}
        details = field.details[0]
        arguments = get_argument_values(
            field.definition,
            details.node,
            self.variables,
            details.fragment_variable_values,
            self.plan.planner.hide_suggestions,
        )
        if field.cacheable_arguments and all(immutable(v) for v in arguments.values()):
            self.arguments[field] = arguments
        return arguments  # type: ignore[no-any-return]

    def execute_fields(self, plan: ObjectPlan, source: Any, path: Path | None) -> Any:  # noqa: PLR0912 - hot loop, inlined
        if plan.deferred is not None:
            raise GraphQLError(plan.deferred)
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        plain = self.plain
        pending: list[str] | None = None
        try:
            for field in plan.fields:
                if field.direct and field.definition.resolve is field.resolve:  # a plain attribute: inlined
                    field_path = None if field.leaf else Path(path, field.key, field.parent_name)
                    try:
                        result = getattr(source, field.attribute)  # type: ignore[arg-type]
                        if result.__class__ not in plain and self.awaitable(result):
                            field_path = field_path or Path(path, field.key, field.parent_name)
                            completed = self._complete_awaitable(field, None, field_path, result)
                        else:
                            completed = field.complete(self, field, None, field_path, result)
                            if completed.__class__ not in PLAIN and is_awaitable(completed):
                                field_path = field_path or Path(path, field.key, field.parent_name)
                                completed = self._await_completed(field, completed, field_path)
                    except Exception as raw:  # noqa: BLE001
                        field_path = field_path or Path(path, field.key, field.parent_name)
                        self.handle_field_error(raw, field.return_type, field, field_path)
                        completed = None
                else:
                    completed = self.execute_field(field, source, path)
                results[field.key] = completed
                if completed.__class__ not in PLAIN and is_awaitable(completed):
                    if pending is None:
                        pending = []
                    pending.append(field.key)
        except Exception:
            if pending:
                self.settle_in_background([results[key] for key in pending])
            raise
        if pending is None:
            return results
        return self._await_fields(results, pending)

    async def _await_fields(self, results: dict[str, Any], pending: list[str]) -> dict[str, Any]:
        if len(pending) == 1:
            key = pending[0]
            results[key] = await results[key]
        else:
            awaited = await gather_with_cancel(*(results[key] for key in pending))
            results.update(zip(pending, awaited, strict=True))
        return results

    def execute_fields_serially(self, plan: ObjectPlan, source: Any, path: Path | None) -> Any:
        if plan.deferred is not None:
            raise GraphQLError(plan.deferred)
        results: dict[str, Any] = {}
        fields = plan.fields
        for position, field in enumerate(fields):
            completed = self.execute_field(field, source, path)
            if self.is_awaitable(completed):
                return self._serially_from(fields, position, completed, results, source, path)
            results[field.key] = completed
        return results

    async def _serially_from(
        self, fields: list[FieldPlan], position: int, first: Any, results: dict[str, Any], source: Any, path: Any
    ) -> dict[str, Any]:
        results[fields[position].key] = await first
        for field in fields[position + 1 :]:
            completed = self.execute_field(field, source, path)
            results[field.key] = await completed if self.is_awaitable(completed) else completed
        return results

    def execute_field(self, field: FieldPlan, source: Any, parent: Path | None) -> Any:
        attribute = field.attribute
        path = None if field.leaf and not field.needs_info else Path(parent, field.key, field.parent_name)
        try:
            if attribute is not None and not field.needs_info and field.definition.resolve is field.resolve:
                result = getattr(source, attribute)
                if result.__class__ not in self.plain and self.awaitable(result):
                    return self._complete_awaitable(
                        field, None, path or Path(parent, field.key, field.parent_name), result
                    )
                info = None
            else:
                if path is None:
                    path = Path(parent, field.key, field.parent_name)
                info = self.info(field, path)
                arguments = field.arguments if field.arguments is not None else self.field_arguments(field)
                result = self._resolve(field, source, info, arguments)
                if self.is_awaitable(result):
                    return self._complete_awaitable(field, info, path, result)
            completed = field.complete(self, field, info, path, result)
            if completed.__class__ not in PLAIN and self.is_awaitable(completed):
                return self._await_completed(field, completed, path or Path(parent, field.key, field.parent_name))
            return completed
        except Exception as raw:  # noqa: BLE001 - every error becomes a field error, as the spec says
            self.handle_field_error(raw, field.return_type, field, path or Path(parent, field.key, field.parent_name))
            return None

    def _resolve(self, field: FieldPlan, source: Any, info: GraphQLResolveInfo[Any], arguments: dict[str, Any]) -> Any:
        resolve = field.definition.resolve  # read now: a resolver replaced after planning is the one called
        if resolve is not None:
            return resolve(source, info, **arguments) if arguments is not EMPTY_ARGUMENTS else resolve(source, info)
        if not self.default_resolver:
            return self.field_resolver(source, info, **arguments)
        name = field.name
        value = source.get(name) if isinstance(source, Mapping) else getattr(source, name, None)
        return value(info, **arguments) if callable(value) else value

    async def _complete_awaitable(self, field: FieldPlan, info: Any, path: Path, result: Any) -> Any:
        try:
            resolved = await result
            completed = field.complete(self, field, info, path, resolved)
            if self.is_awaitable(completed):
                completed = await completed
        except Exception as raw:  # noqa: BLE001
            self.handle_field_error(raw, field.return_type, field, path)
            completed = None
        return completed

    async def _await_completed(self, field: FieldPlan, completed: Awaitable[Any], path: Path) -> Any:
        try:
            return await completed
        except Exception as raw:  # noqa: BLE001
            self.handle_field_error(raw, field.return_type, field, path)
            return None

    def handle_field_error(self, raw: Exception, return_type: Any, field: FieldPlan, path: Path) -> None:
        error = located_error(raw, field.nodes, path.as_list())
        if self.error_propagation and isinstance(return_type, GraphQLNonNull):
            raise error
        self.errors.add(error, path)
