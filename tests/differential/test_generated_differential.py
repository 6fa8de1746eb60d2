"""Operations hypothesis-graphql writes over the whole schema, answered alike by both executors.

Valid queries and mutations (the twins change alike, so mutations are fair
game), and in the negative mode operations with one violation of the schema,
each asked by an admin, a storefront and a store manager. The documents are
drawn first (derandomised, so a run is repeatable) and then run; a difference
is reported with its document, caller and both answers. `OMS_DIFF_EXAMPLES`
sets how many documents per mode (modest in `make test`; `make fuzz` runs many).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis_graphql import Mode, from_schema

from resolvers.schema import create_schema
from tests.api.test_fuzz_api import SCALARS
from tests.differential.twins import Difference, Twins

EXAMPLES = int(os.environ.get("OMS_DIFF_EXAMPLES", "60"))
ROLES = ("admin", "storefront", "store-manager")
SHOWN = 10


def documents(mode: Mode, count: int) -> list[str]:
    """`count` distinct documents of `mode`, drawn repeatably."""
    schema = create_schema()._schema
    drawn: list[str] = []

    @settings(
        max_examples=count,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(from_schema(schema, custom_scalars=SCALARS, allow_x00=False, mode=mode))
    def draw(document: str) -> None:
        if document not in drawn:
            drawn.append(document)

    draw()
    return drawn


async def run_all(pair: Twins, mode: Mode) -> tuple[int, list[Difference]]:
    drawn = documents(mode, EXAMPLES)
    differences: list[Difference] = []
    for n, document in enumerate(drawn):
        for role in ROLES:
            found = await pair.difference(f"generated {mode.name.lower()} #{n}", document, None, None, role)
            if found is not None:
                differences.append(found)
    return len(drawn), differences


def report(count: int, differences: list[Difference]) -> str:
    shown = "\n\n".join(str(d) for d in differences[:SHOWN])
    return f"{len(differences)} difference(s) over {count} documents x {len(ROLES)} callers; the first:\n\n{shown}"


async def test_generated_valid_operations_answer_alike_under_both_executors(pair: Twins) -> None:
    count, differences = await run_all(pair, Mode.POSITIVE)
    print(f"{count} valid documents")
    assert count >= min(EXAMPLES, 10) // 2, "hypothesis-graphql drew almost nothing"
    assert not differences, report(count, differences)


async def test_generated_invalid_operations_get_the_same_errors_under_both_executors(pair: Twins) -> None:
    count, differences = await run_all(pair, Mode.NEGATIVE)
    print(f"{count} invalid documents")
    assert count >= min(EXAMPLES, 10) // 2, "hypothesis-graphql drew almost nothing"
    assert not differences, report(count, differences)
