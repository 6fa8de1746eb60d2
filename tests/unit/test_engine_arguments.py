"""Literal list arguments are coerced once when planned, and every call still gets its own copy."""

from __future__ import annotations

from typing import Any

from graphql import build_schema

import engine

SCHEMA = build_schema("""
type Query { items: [Item!]! }
type Item { take(names: [String!]!, limit: Int): [String!]! }
""")


def test_a_resolver_changing_its_literal_list_argument_changes_no_other_call() -> None:
    def take(_info: Any, names: list[str], limit: int) -> list[str]:
        names.append("changed by the resolver")
        return names[:limit]

    root = {"items": [{"take": take} for _ in range(3)]}
    query = '{ items { take(names: ["a", "b"], limit: 5) } }'
    for _ in range(2):  # the plan is cached between the two requests
        result = engine.graphql_sync(SCHEMA, query, root)
        assert result.errors is None
        assert result.data == {"items": [{"take": ["a", "b", "changed by the resolver"]}] * 3}
