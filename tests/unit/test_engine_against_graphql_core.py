"""engine/ answers as graphql-core does: random field behaviours, and each divergence a review once found.

The random part draws, per seeded run, a root value whose fields are values, nulls, errors,
wrongly typed values or async resolvers, over lists, lists of lists, non-null fields,
interfaces and unions, and compares data, error messages, paths and locations.
`OMS_ENGINE_FUZZ` sets the number of runs (the default keeps `make test` quick).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
from typing import Any

import pytest
import strawberry
from graphql import (
    ExecutionResult,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    build_schema,
    graphql_sync,
    parse,
    specified_directives,
)
from graphql import execute as reference_execute
from graphql import execute_sync as reference_execute_sync
from graphql import subscribe as reference_subscribe
from graphql.execution.middleware import MiddlewareManager
from graphql.type.directives import GraphQLDeferDirective

import engine

pytestmark = pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")

RUNS = int(os.environ.get("OMS_ENGINE_FUZZ", "300"))
SCHEMA = build_schema("""
interface Node { id: ID! }
type A implements Node { id: ID! x: Int s: String! l: [Int!] ll: [[Int]] child: A kids: [A!] kn: [A]! }
type B implements Node { id: ID! y: Float }
union U = A | B
type Query { a: A an: A! as: [A] nodes: [Node] u: U! us: [U!] n: Int! m: String }
""")
SELECTION = "id x s l ll child { id x s l child { id s } } kids { id s x } kn { x s }"
QUERIES = [
    parse(f"{{ a {{ {SELECTION} }} m }}"),
    parse(f"{{ an {{ {SELECTION} }} }}"),
    parse(f"{{ as {{ {SELECTION} }} n }}"),
    parse("{ nodes { id ... on A { x s l ll } ... on B { y } } }"),
    parse("{ u { ... on A { s kids { s } } ... on B { y } } }"),
    parse("{ us { __typename ... on A { x s } } m a { kn { s } } }"),
    parse("query($f: Boolean!) { a { x @skip(if: $f) s @include(if: $f) ll } }"),
]


def behaviour(rng: random.Random, kind: str) -> Any:
    roll = rng.random()
    if roll < 0.08:
        return None
    if roll < 0.14:
        return ValueError("err")
    if roll < 0.18:
        return "bad"
    return {"int": rng.randint(-5, 5), "float": rng.random(), "str": "s"}[kind]


def node_a(rng: random.Random, depth: int) -> dict[str, Any] | None:
    if depth > 3:
        return None
    return {
        "__typename": "A",
        "id": str(rng.randint(0, 9)),
        "x": behaviour(rng, "int"),
        "s": behaviour(rng, "str"),
        "l": None if rng.random() < 0.1 else [behaviour(rng, "int") for _ in range(rng.randint(0, 3))],
        "ll": [[behaviour(rng, "int") for _ in range(2)] for _ in range(rng.randint(0, 2))],
        "child": node_a(rng, depth + 1) if rng.random() < 0.6 else None,
        "kids": [node_a(rng, depth + 1) for _ in range(rng.randint(0, 2))],
        "kn": None if rng.random() < 0.1 else [node_a(rng, depth + 1) for _ in range(rng.randint(0, 2))],
    }


def maybe_async(rng: random.Random, value: Any, use_async: bool) -> Any:
    if use_async and rng.random() < 0.4:

        async def resolve(*_: Any, **__: Any) -> Any:
            await asyncio.sleep(0)
            if isinstance(value, Exception):
                raise value
            return value

        return resolve
    return value


def wrapped(rng: random.Random, value: Any, use_async: bool) -> Any:
    if isinstance(value, dict):
        return {k: maybe_async(rng, wrapped(rng, v, use_async), use_async) for k, v in value.items()}
    if isinstance(value, list):
        return [wrapped(rng, v, use_async) for v in value]
    return value


def root_value(rng: random.Random, use_async: bool) -> Any:
    b = {"__typename": "B", "id": "b", "y": behaviour(rng, "float")}
    data = {
        "a": node_a(rng, 0),
        "an": node_a(rng, 0),
        "as": [node_a(rng, 0) for _ in range(2)],
        "nodes": [node_a(rng, 0), b, None],
        "u": rng.choice([node_a(rng, 0), b, None]),
        "us": [node_a(rng, 0), b],
        "n": behaviour(rng, "int"),
        "m": behaviour(rng, "str"),
    }
    return wrapped(rng, data, use_async)


def answer(result: ExecutionResult) -> str:
    errors = [(e.message, e.path, [(p.line, p.column) for p in e.locations or ()]) for e in result.errors or ()]
    return json.dumps({"data": result.data, "errors": errors}, default=str)


async def settled(result: Any) -> ExecutionResult:
    return await result if asyncio.iscoroutine(result) else result  # type: ignore[no-any-return]


async def test_random_values_errors_and_async_resolvers_give_the_same_answers() -> None:
    different = []
    for seed in range(RUNS):
        rng = random.Random(seed)
        document = rng.choice(QUERIES)
        use_async = rng.random() < 0.5
        variables = {"f": rng.random() < 0.5}
        state = rng.getstate()
        expected = await settled(reference_execute(SCHEMA, document, root_value(rng, use_async), None, variables))
        rng.setstate(state)
        found = await settled(engine.execute(SCHEMA, document, root_value(rng, use_async), None, variables))
        if answer(expected) != answer(found):
            different.append(seed)
    assert different == []


class Denied(strawberry.BasePermission):
    message = "denied"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Secret:
    public: str
    hidden: str = strawberry.field(permission_classes=[Denied])


@strawberry.type
class SecretQuery:
    @strawberry.field
    def secret(self) -> Secret | None:
        return Secret(public="p", hidden="TOP SECRET")


def test_a_plain_strawberry_field_keeps_its_permission_check() -> None:
    schema = strawberry.Schema(query=SecretQuery)._schema
    document = parse("{ secret { public hidden } }")
    assert answer(engine.execute_sync(schema, document)) == answer(reference_execute_sync(schema, document))
    assert "TOP SECRET" not in answer(engine.execute_sync(schema, document))


def test_errors_inside_lists_of_scalars_carry_the_item_path() -> None:
    schema = build_schema("type Query { grid: [[Int]] other: [Int] }")
    document = parse("{ grid other }")
    root = {"grid": [[1, 2], [3, "x"]], "other": [1, "y"]}
    found = engine.execute_sync(schema, document, root)
    assert answer(found) == answer(reference_execute_sync(schema, document, root))
    assert [e.path for e in found.errors or ()] == [["grid", 1, 1], ["other", 1]]


def test_a_resolver_replaced_after_the_first_request_is_the_one_called() -> None:
    schema = build_schema("type Query { a: String }")
    document = parse("{ a }")
    schema.query_type.fields["a"].resolve = lambda *_: "old"  # type: ignore[union-attr]
    assert engine.execute_sync(schema, document).data == {"a": "old"}
    schema.query_type.fields["a"].resolve = lambda *_: "new"  # type: ignore[union-attr]
    assert engine.execute_sync(schema, document).data == {"a": "new"}


def test_a_custom_scalar_argument_is_parsed_for_every_request() -> None:
    calls: list[int] = []

    def parse_literal(*_: Any) -> int:
        calls.append(len(calls))
        return len(calls)

    schema = build_schema("scalar Now type Query { at(t: Now): String }")
    schema.type_map["Now"].parse_literal = parse_literal  # type: ignore[attr-defined]
    document = parse("{ at(t: 0) }")
    root = {"at": lambda _info, t: str(t)}
    first, second = engine.execute_sync(schema, document, root), engine.execute_sync(schema, document, root)
    assert (first.data, second.data) == ({"at": "1"}, {"at": "2"})


def test_execute_sync_takes_a_schema_that_declares_defer_like_graphql_core() -> None:
    base = build_schema("type Query { a: String }")
    schema = GraphQLSchema(base.query_type, directives=[*specified_directives, GraphQLDeferDirective])
    document = parse("{ a }")
    root = {"a": "x"}
    assert engine.execute_sync(schema, document, root) == reference_execute_sync(schema, document, root)


def test_text_against_an_invalid_schema_answers_the_schema_errors() -> None:
    schema = GraphQLSchema(GraphQLObjectType("Query", {"__bad": GraphQLField(GraphQLString)}))
    found = engine.graphql_sync(schema, "{ a }")
    assert found == graphql_sync(schema, "{ a }")
    assert found.errors and found.errors[0].message.startswith("Name '__bad' must not begin with '__'")


async def test_subscription_events_refuse_middleware_rather_than_skip_it() -> None:
    schema = build_schema("type Query { a: String } type Subscription { tick: String }")

    async def ticks(*_: Any) -> Any:
        yield {"tick": "x"}

    schema.subscription_type.fields["tick"].subscribe = ticks  # type: ignore[union-attr]

    def upper(resolve: Any, root: Any, info: Any, **arguments: Any) -> Any:
        return str(resolve(root, info, **arguments)).upper()

    stream = reference_subscribe(
        schema,
        parse("subscription { tick }"),
        middleware=MiddlewareManager(upper),
        executor_class=engine.planned_events(None),
    )
    stream = await stream if asyncio.iscoroutine(stream) else stream
    with pytest.raises(engine.Unsupported):
        await anext(stream)  # type: ignore[arg-type]
