"""Every operation the tests, the README, the contract and the /demo and /console pages use, answered
alike by the planned executor and by graphql-core, for each kind of caller.

Queries run first, then mutations (which change both twins alike), then
subscriptions (their refusal or validation errors, or their first event).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import pytest

from tests.differential.contract import from_contract
from tests.differential.corpus import (
    CONTRACT,
    ROOT,
    Operation,
    deduplicated,
    from_markdown,
    from_pages,
    from_tests,
)
from tests.differential.twins import Difference, Twins
from tests.differential.variables import variables_for


def collect() -> list[Operation]:
    def everything() -> Iterator[Operation]:
        yield from from_tests()
        yield from from_markdown(ROOT / "README.md", "readme")
        if CONTRACT.exists():
            yield from from_contract(CONTRACT)
        yield from from_pages()

    return deduplicated(everything())


CORPUS = sorted(collect(), key=lambda op: ("query", "mutation", "subscription").index(op.kind))
MINIMUM = {"tests": 100, "readme": 5, "contract": 25, "pages": 15}
ROLES = ("admin", "anonymous", "storefront", "store-manager", "store-associate")


def report(differences: list[Difference]) -> str:
    return f"{len(differences)} difference(s):\n\n" + "\n\n".join(str(d) for d in differences)


def test_the_corpus_holds_operations_from_every_source() -> None:
    counts = Counter(op.source for op in CORPUS)
    kinds = Counter(f"{op.source} {op.kind}" for op in CORPUS)
    print("corpus:", dict(counts), dict(kinds))
    for source, minimum in MINIMUM.items():
        assert counts[source] >= minimum, f"only {counts[source]} operations from {source}: is the collector broken?"


@pytest.mark.parametrize("operation", CORPUS, ids=[op.label for op in CORPUS])
async def test_each_operation_answers_alike_under_both_executors(pair: Twins, operation: Operation) -> None:
    variables = variables_for(pair.reference.schema._schema, operation.document, operation.name, pair.facts)
    if operation.kind == "subscription":  # all callers at once: each waits a moment for a first event
        found = await asyncio.gather(
            *(
                pair.subscription_difference(operation.where, operation.document, variables, operation.name, role)
                for role in ROLES
            )
        )
    else:
        found = [
            await pair.difference(operation.where, operation.document, variables, operation.name, role)
            for role in ROLES
        ]
    differences = [d for d in found if d is not None]
    assert not differences, report(differences)
