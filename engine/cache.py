"""A bounded cache of operation plans, least recently used out first.

The key is the identity of the schema and of the parsed document (a parser cache
in front hands out the same document for the same text), the operation name and
whether suggestions are hidden. Entries hold their schema and document, so an id
is never reused while its plan is cached.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graphql import DocumentNode, GraphQLSchema

    from engine.plans import OperationPlan

Key = tuple[int, int, str | None, bool]


class PlanCache:
    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[Key, tuple[Any, Any, OperationPlan]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(
        self, schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, hide_suggestions: bool
    ) -> OperationPlan | None:
        key = (id(schema), id(document), operation_name, hide_suggestions)
        entry = self._entries.get(key)
        if entry is None or entry[0] is not schema or entry[1] is not document:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry[2]

    def put(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation_name: str | None,
        hide_suggestions: bool,
        plan: OperationPlan,
    ) -> None:
        self._entries[(id(schema), id(document), operation_name, hide_suggestions)] = (schema, document, plan)
        while len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
