"""engine.graphql: text in, result out, with parse, validation and plan cached."""

from __future__ import annotations

from graphql import build_schema

import engine

SCHEMA = build_schema("type Query { greeting(name: String!): String, n: Int }")


def test_the_same_text_is_parsed_and_validated_once() -> None:
    first = engine.prepared(SCHEMA, "{ n }")
    again = engine.prepared(SCHEMA, "{ n }")
    assert first is again


def test_syntax_and_validation_errors_come_back_as_a_result_without_data() -> None:
    broken = engine.graphql_sync(SCHEMA, "{ n")
    assert broken.data is None and broken.errors and "Syntax Error" in broken.errors[0].message
    unknown = engine.graphql_sync(SCHEMA, "{ nope }")
    assert unknown.data is None and unknown.errors
    assert unknown.errors[0].message == "Cannot query field 'nope' on type 'Query'."


def test_text_runs_through_the_planned_engine() -> None:
    result = engine.graphql_sync(
        SCHEMA,
        "query($who: String!) { greeting(name: $who) }",
        {"greeting": lambda _info, name: f"hi {name}"},
        None,
        {"who": "Ada"},
    )
    assert result.data == {"greeting": "hi Ada"} and result.errors is None


async def test_async_resolvers_are_awaited() -> None:
    async def n(_info: object) -> int:
        return 7

    result = await engine.graphql(SCHEMA, "{ n }", {"n": n})
    assert result.data == {"n": 7}
