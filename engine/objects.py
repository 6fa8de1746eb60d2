"""Object and abstract completion: `is_type_of` checks, runtime types of interfaces and unions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLError, GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema
from graphql.execution.executor import default_type_resolver
from graphql.pyutils import Path, inspect

from engine.completion import invalid_return_type
from engine.plans import FieldPlan, ObjectPlan


class ObjectCompletion:
    """Part of `engine.run.Run`: objects whose type checks values, and values of abstract types."""

    # Provided by engine.run.Run, which this mixin is part of:
    schema: GraphQLSchema
    type_resolver: Callable[..., Any] | None
    is_awaitable: Callable[[Any], bool]
    plan_children: Callable[[FieldPlan, GraphQLObjectType], ObjectPlan]
    execute_fields: Callable[[ObjectPlan, Any, Path | None], Any]

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


def _default_type_resolver(value: Any, info: GraphQLResolveInfo[Any], abstract_type: Any) -> Any:
    return default_type_resolver(value, info, abstract_type)
