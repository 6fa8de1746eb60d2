"""One request running an operation plan: field execution, errors, null propagation, async.

The order of work, the places where sibling awaitables are gathered (and cancelled when a
non-null error propagates), error location and the `CollectedErrors` bookkeeping follow
graphql-core's executor step for step, so answers and errors are the same; what differs is
that every decision that depends only on the document was taken while planning.
"""

from __future__ import annotations

from asyncio import gather, get_running_loop
from collections.abc import AsyncIterable, Awaitable, Callable, Mapping
from contextlib import suppress
from inspect import iscoroutine
from types import CoroutineType, GeneratorType
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    located_error,
)
from graphql.execution.executor import CollectedErrors, default_field_resolver, get_typename
from graphql.execution.values import VariableValues, get_argument_values
from graphql.pyutils import Path, gather_with_cancel, inspect
from graphql.pyutils import is_awaitable as default_is_awaitable
from graphql.type.definition import GraphQLResolveInfoHelpers

from engine.completion import invalid_return_type
from engine.plans import EMPTY_ARGUMENTS, FieldPlan, ObjectPlan, OperationPlan, immutable

AwaitableCheck = Callable[[Any], bool]
PLAIN: frozenset[type] = frozenset((str, int, float, bool, type(None), dict, list, tuple))
"""Values of these types are never awaitable: the awaitable check is skipped for them."""


class Run:
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

    def awaitable(self, value: Any) -> bool:
        """`is_awaitable`, learning classes whose instances never are (see `learned_plain`)."""
        if self.is_awaitable(value):
            return True
        cls = value.__class__
        plain = self.plain
        if plain is not PLAIN and type(value) is cls and _type_decides(cls, value):
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
        details = field.details[0]
        arguments = get_argument_values(
            field.definition,
            details.node,
            self.variables,
            details.fragment_variable_values,
            self.plan.planner.hide_suggestions,
        )
        if all(immutable(v) for v in arguments.values()):
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
                if field.direct:  # a plain attribute, no info needed: the common case, inlined
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
            if attribute is not None and not field.needs_info:
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
        resolve = field.resolve
        if resolve is not None:
            return resolve(source, info, **arguments) if arguments is not EMPTY_ARGUMENTS else resolve(source, info)
        if field.attribute is not None:
            return getattr(source, field.attribute)
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

    # -- lists -------------------------------------------------------------------------------

    def complete_items(self, field: FieldPlan, item_type: Any, inner: Any, info: Any, path: Path, items: Any) -> Any:
        is_awaitable = self.is_awaitable
        completed: list[Any] = []
        append = completed.append
        pending: list[int] | None = None
        iterator = iter(items)
        index = 0
        leaf = field.leaf
        plain = self.plain
        try:
            for item in iterator:
                if item.__class__ not in plain and self.awaitable(item):
                    append(self._complete_awaitable_item(field, item_type, inner, info, Path(path, index, None), item))
                    pending = [] if pending is None else pending
                    pending.append(index)
                else:
                    item_path = None if leaf else Path(path, index, None)
                    try:
                        value = inner(self, field, info, item_path, item)
                        if value.__class__ not in PLAIN and is_awaitable(value):
                            value = self._await_item(field, item_type, value, item_path or Path(path, index, None))
                            pending = [] if pending is None else pending
                            pending.append(index)
                    except Exception as raw:  # noqa: BLE001
                        self.handle_field_error(raw, item_type, field, item_path or Path(path, index, None))
                        value = None
                    append(value)
                index += 1
        except Exception:
            awaitables = [completed[i] for i in pending or ()]
            with suppress(Exception):
                awaitables.extend(item for item in iterator if is_awaitable(item))
            if awaitables:
                self.settle_in_background(awaitables)
            raise
        if pending is None:
            return completed
        return self._await_items(completed, pending)

    async def _await_items(self, completed: list[Any], pending: list[int]) -> list[Any]:
        if len(pending) == 1:
            completed[pending[0]] = await completed[pending[0]]
        else:
            awaited = await gather_with_cancel(*(completed[i] for i in pending))
            for index, value in zip(pending, awaited, strict=True):
                completed[index] = value
        return completed

    async def _await_item(self, field: FieldPlan, item_type: Any, value: Any, path: Path) -> Any:
        try:
            return await value
        except Exception as raw:  # noqa: BLE001
            self.handle_field_error(raw, item_type, field, path)
            return None

    async def _complete_awaitable_item(
        self, field: FieldPlan, item_type: Any, inner: Any, info: Any, path: Path, item: Any
    ) -> Any:
        try:
            resolved = await item
            completed = inner(self, field, info, path, resolved)
            if self.is_awaitable(completed):
                completed = await completed
        except Exception as raw:  # noqa: BLE001
            self.handle_field_error(raw, item_type, field, path)
            return None
        return completed

    async def complete_async_iterator(
        self, field: FieldPlan, item_type: Any, inner: Any, info: Any, path: Path, items: AsyncIterable[Any]
    ) -> list[Any]:
        iterator = items.__aiter__()
        completed: list[Any] = []
        pending: list[int] = []
        early_return = getattr(iterator, "aclose", None)
        index = 0
        try:
            while True:
                item_path = Path(path, index, None)
                try:
                    item = await anext(iterator)
                except StopAsyncIteration:
                    break
                except Exception as raw:
                    raise located_error(raw, field.nodes, path.as_list()) from raw
                if self.is_awaitable(item):
                    completed.append(self._complete_awaitable_item(field, item_type, inner, info, item_path, item))
                    pending.append(index)
                else:
                    try:
                        value = inner(self, field, info, item_path, item)
                        if self.is_awaitable(value):
                            value = self._await_item(field, item_type, value, item_path)
                            pending.append(index)
                    except Exception as raw:  # noqa: BLE001
                        self.handle_field_error(raw, item_type, field, item_path)
                        value = None
                    completed.append(value)
                index += 1
        except Exception:
            if pending:
                self.settle_in_background([completed[i] for i in pending])
            if early_return is not None:
                with suppress(Exception):
                    await early_return()
            raise
        return await self._await_items(completed, pending) if pending else completed

    # -- objects -----------------------------------------------------------------------------

    def complete_checked_object(
        self, field: FieldPlan, object_type: GraphQLObjectType, info: Any, path: Path, result: Any
    ) -> Any:
        assert object_type.is_type_of is not None
        verdict = object_type.is_type_of(result, info)
        if self.is_awaitable(verdict):
            return self._checked_later(field, object_type, verdict, path, result)
        if not verdict:
            raise invalid_return_type(object_type, result, field)
        plan = field.children.get(object_type) or self.plan_children(field, object_type)
        return self.execute_fields(plan, result, path)

    async def _checked_later(
        self, field: FieldPlan, object_type: GraphQLObjectType, verdict: Any, path: Path, result: Any
    ) -> Any:
        if not await verdict:
            raise invalid_return_type(object_type, result, field)
        plan = field.children.get(object_type) or self.plan_children(field, object_type)
        completed = self.execute_fields(plan, result, path)
        return await completed if self.is_awaitable(completed) else completed

    def complete_abstract(self, field: FieldPlan, abstract_type: Any, info: Any, path: Path, result: Any) -> Any:
        resolve_type = abstract_type.resolve_type or self.type_resolver or _default_type_resolver
        runtime = resolve_type(result, info, abstract_type)
        if self.is_awaitable(runtime):
            return self._abstract_later(field, abstract_type, info, path, result, runtime)
        object_type = self.runtime_type(runtime, abstract_type, field, result)
        return self._complete_runtime_object(field, object_type, info, path, result)

    async def _abstract_later(
        self, field: FieldPlan, abstract_type: Any, info: Any, path: Path, result: Any, runtime: Any
    ) -> Any:
        object_type = self.runtime_type(await runtime, abstract_type, field, result)
        completed = self._complete_runtime_object(field, object_type, info, path, result)
        return await completed if self.is_awaitable(completed) else completed

    def _complete_runtime_object(
        self, field: FieldPlan, object_type: GraphQLObjectType, info: Any, path: Path, result: Any
    ) -> Any:
        if object_type.is_type_of is not None:
            return self.complete_checked_object(field, object_type, info, path, result)
        plan = field.children.get(object_type) or self.plan_children(field, object_type)
        return self.execute_fields(plan, result, path)

    def runtime_type(self, name: Any, abstract_type: Any, field: FieldPlan, result: Any) -> GraphQLObjectType:
        where = f"for field '{field.parent_name}.{field.name}'"
        if name is None:
            raise GraphQLError(
                f"Abstract type '{abstract_type}' must resolve to an Object type at runtime {where}."
                f" Either the '{abstract_type}' type should provide a 'resolve_type' function"
                " or each possible type should provide an 'is_type_of' function.",
                field.nodes,
            )
        if not isinstance(name, str):
            raise GraphQLError(
                f"Abstract type '{abstract_type}' must resolve to an Object type at runtime {where}"
                f" with value {inspect(result)}, received '{inspect(name)}',"
                " which is not a valid Object type name.",
                field.nodes,
            )
        runtime = self.schema.get_type(name)
        if runtime is None:
            raise GraphQLError(
                f"Abstract type '{abstract_type}' was resolved to a type '{name}'"
                " that does not exist inside the schema.",
                field.nodes,
            )
        if not isinstance(runtime, GraphQLObjectType):
            raise GraphQLError(
                f"Abstract type '{abstract_type}' was resolved to a non-object type '{name}'.", field.nodes
            )
        if not self.schema.is_sub_type(abstract_type, runtime):
            raise GraphQLError(
                f"Runtime Object type '{runtime}' is not a possible type for '{abstract_type}'.", field.nodes
            )
        return runtime

    # -- background work ---------------------------------------------------------------------

    def settle_in_background(self, awaitables: list[Any]) -> None:
        try:
            get_running_loop()
        except RuntimeError:
            for awaitable in awaitables:
                if iscoroutine(awaitable):
                    awaitable.close()
            return
        future = gather(*awaitables, return_exceptions=True)
        self.background.add(future)
        future.add_done_callback(self.background.discard)

    def _track_work(self, values: Any) -> None:
        awaitables = [value for value in values if self.is_awaitable(value)]
        if awaitables:
            self.settle_in_background(awaitables)

    def _gather_work(self, values: Any) -> Awaitable[list[Any]]:
        return gather_with_cancel(*values)


_LEARNED: dict[Any, set[type]] = {}


def learned_plain(is_awaitable: AwaitableCheck) -> frozenset[type] | set[type]:
    """Classes known never to be awaitable under this predicate. Only for graphql-core's and Strawberry's
    predicates, whose answer for an ordinary class depends on the class alone (no `__await__`, no
    `__getattr__`); any other predicate is asked about every value."""
    known = is_awaitable is default_is_awaitable or (
        getattr(is_awaitable, "__name__", "") == "optimized_is_awaitable"
        and getattr(is_awaitable, "__module__", "").startswith("strawberry.")
    )
    if not known:
        return PLAIN
    learned = _LEARNED.get(is_awaitable)
    if learned is None:
        learned = _LEARNED[is_awaitable] = set(PLAIN)
    return learned


def _type_decides(cls: type, value: Any) -> bool:
    if isinstance(value, (CoroutineType, GeneratorType)) or hasattr(cls, "__await__"):
        return False
    attribute_lookup: Any = cls.__getattribute__
    if hasattr(cls, "__getattr__") or attribute_lookup is not object.__getattribute__:
        return False
    return "__await__" not in getattr(value, "__dict__", ())


def _default_type_resolver(value: Any, info: GraphQLResolveInfo[Any], abstract_type: Any) -> Any:
    from graphql.execution.executor import default_type_resolver

    return default_type_resolver(value, info, abstract_type)


__all__ = ["Run", "get_typename"]
