"""Completers: one function per field and return type, chosen while planning.

Each follows the specification's CompleteValue for its type and nothing else:
non-null wraps its inner type and refuses null, lists complete their items in a
tight loop, leaves serialise (exact built-in types skip the generic call, with
the same result), objects run their planned selection, abstract types resolve
their runtime type first. A completer is called as
`complete(run, field, info, path, result)`; `info` is None where no resolver,
type resolver or `is_type_of` can need it, and `path` is None for leaves.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLBoolean,
    GraphQLError,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    get_nullable_type,
    is_abstract_type,
    is_leaf_type,
    is_object_type,
)
from graphql.pyutils import Path, Undefined, inspect, is_iterable

from engine.incremental import fresh

if TYPE_CHECKING:
    from engine.plans import Completer, FieldPlan

MAX_INT = 2_147_483_647
MIN_INT = -2_147_483_648


def needs_info(return_type: GraphQLOutputType) -> bool:
    """Whether completing this type may call user code that takes `info` (type resolvers, is_type_of)."""
    while isinstance(return_type, (GraphQLNonNull, GraphQLList)):
        return_type = return_type.of_type
    if is_abstract_type(return_type):
        return True
    return is_object_type(return_type) and return_type.is_type_of is not None  # type: ignore[union-attr]


def build_completer(field: FieldPlan, return_type: GraphQLOutputType) -> Completer:
    if isinstance(return_type, GraphQLNonNull):
        inner = return_type.of_type
        if is_leaf_type(inner):  # non-null leaves and objects check null themselves: one call less per value
            return _leaf(inner, _null_message(field))  # type: ignore[arg-type]
        if is_object_type(inner) and inner.is_type_of is None:  # type: ignore[union-attr]
            return _object(inner, _null_message(field))  # type: ignore[arg-type]
        return _non_null(field, build_completer(field, inner))
    if isinstance(return_type, GraphQLList):
        return _list(return_type, build_completer(field, return_type.of_type))
    if is_leaf_type(return_type):
        return _leaf(return_type)  # type: ignore[arg-type]
    if is_abstract_type(return_type):
        return _abstract(return_type)
    return _object(return_type)  # type: ignore[arg-type]


def _null_message(field: FieldPlan) -> str:
    return f"Cannot return null for non-nullable field {field.parent_name}.{field.name}."


def _non_null(field: FieldPlan, inner: Completer) -> Completer:
    message = _null_message(field)

    def complete_non_null(run: Any, field: FieldPlan, info: Any, path: Path | None, result: Any) -> Any:
        completed = inner(run, field, info, path, result)
        if completed is None:
            raise TypeError(message)
        return completed

    return complete_non_null


def _leaf(leaf_type: GraphQLLeafType, null_message: str | None = None) -> Completer:
    """`null_message` set: the leaf is non-null, and a null result raises it (as the non-null wrapper would)."""
    coerce = leaf_type.coerce_output_value
    exact = _exact_type(leaf_type)

    def null() -> None:
        if null_message is not None:
            raise TypeError(null_message)

    def coerce_leaf(result: Any) -> Any:
        if isinstance(result, Exception):
            raise result
        coerced = coerce(result)
        if coerced is Undefined or coerced is None:
            raise TypeError(
                f"Expected `{inspect(leaf_type)}.coerce_output_value({inspect(result)})`"
                f" to return non-nullable value, returned: {inspect(coerced)}"
            )
        return coerced

    if exact is int:

        def complete_int(run: Any, field: FieldPlan, info: Any, path: Path | None, result: Any) -> Any:
            if type(result) is int and MIN_INT <= result <= MAX_INT:
                return result
            if result is None or result is Undefined:
                return null()
            return coerce_leaf(result)

        return complete_int
    if exact is float:

        def complete_float(run: Any, field: FieldPlan, info: Any, path: Path | None, result: Any) -> Any:
            if type(result) is float and math.isfinite(result):
                return result
            if result is None or result is Undefined:
                return null()
            return coerce_leaf(result)

        return complete_float
    if exact is not None:

        def complete_exact(run: Any, field: FieldPlan, info: Any, path: Path | None, result: Any) -> Any:
            if type(result) is exact:
                return result
            if result is None or result is Undefined:
                return null()
            return coerce_leaf(result)

        return complete_exact

    def complete_leaf(run: Any, field: FieldPlan, info: Any, path: Path | None, result: Any) -> Any:
        if result is None or result is Undefined:
            return null()
        return coerce_leaf(result)

    return complete_leaf


def _exact_type(leaf_type: GraphQLLeafType) -> type | None:
    """The Python type a built-in scalar returns unchanged (same object), when the scalar is graphql-core's own."""
    same = {GraphQLString: str, GraphQLID: str, GraphQLBoolean: bool, GraphQLInt: int, GraphQLFloat: float}
    for scalar, python_type in same.items():
        if leaf_type is scalar or (
            leaf_type.name == scalar.name
            and getattr(leaf_type, "coerce_output_value", None) == scalar.coerce_output_value
            and getattr(leaf_type, "serialize", None) == scalar.serialize
        ):
            return python_type
    return None


def _list(list_type: GraphQLList[Any], inner: Completer) -> Completer:
    item_type = list_type.of_type
    leaf_items = is_leaf_type(get_nullable_type(item_type))

    def complete_list(run: Any, field: FieldPlan, info: Any, path: Path, result: Any) -> Any:
        if result is None or result is Undefined:
            return None
        if isinstance(result, Exception):
            raise result
        if field.stream_refusal is not None and not isinstance(path.key, int):
            raise fresh(field.stream_refusal)
        if run.is_async_iterable(result):
            return run.complete_async_iterator(field, item_type, inner, info, path, result)
        if not (type(result) is list or is_iterable(result)):
            raise GraphQLError(f"Expected Iterable, but did not find one for field '{field.parent_name}.{field.name}'.")
        return run.complete_items(field, item_type, inner, info, path, result, leaf_items)

    return complete_list


def _object(object_type: GraphQLObjectType, null_message: str | None = None) -> Completer:
    is_type_of = object_type.is_type_of

    def complete_object(run: Any, field: FieldPlan, info: Any, path: Path, result: Any) -> Any:
        if result is None or result is Undefined:
            if null_message is not None:
                raise TypeError(null_message)
            return None
        if isinstance(result, Exception):
            raise result
        if is_type_of is not None:
            return run.complete_checked_object(field, object_type, info, path, result)
        plan = field.children.get(object_type) or run.plan_children(field, object_type)
        return run.execute_fields(plan, result, path)

    return complete_object


def _abstract(abstract_type: Any) -> Completer:
    def complete_abstract(run: Any, field: FieldPlan, info: Any, path: Path, result: Any) -> Any:
        if result is None or result is Undefined:
            return None
        if isinstance(result, Exception):
            raise result
        return run.complete_abstract(field, abstract_type, info, path, result)

    return complete_abstract


def invalid_return_type(object_type: GraphQLObjectType, result: Any, field: FieldPlan) -> GraphQLError:
    return GraphQLError(f"Expected value of type '{object_type.name}' but got: {inspect(result)}.", field.nodes)


Callback = Callable[..., Any]
