"""Both federation composers accept the live subgraphs, only with hints we know; the schema check can fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.backends import unavailable
from tests.e2e import processes
from tests.e2e.conftest import ROOT, Stack

# Hints reviewed: the catalog and we describe Product differently (the supergraph keeps the catalog's).
KNOWN_HINTS = {"INCONSISTENT_DESCRIPTION"}


@pytest.mark.parametrize("composer", ["apollo", "guild"])
def test_composition_of_the_running_subgraphs_has_no_errors_and_only_known_hints(stack: Stack, composer: str) -> None:
    report = stack.composition[composer]
    assert report["errors"] == []
    assert {h["code"] for h in report["hints"]} <= KNOWN_HINTS, report["hints"]
    assert [s["name"] for s in stack.composition["subgraphs"]] == ["oms", "catalog"]


async def test_the_schema_check_fails_when_a_catalog_clashes_with_our_root_fields(tmp_path: Path) -> None:
    """`make composition` can fail: a catalog that also defines our `Query.omsProduct` does not compose with us."""
    try:
        processes.node()
    except FileNotFoundError as error:
        unavailable("Node.js e2e packages", error)
    clashing = (processes.E2E / "catalog.graphql").read_text(encoding="utf-8")
    clashing = clashing.replace("type Query {", "type Query {\n  omsProduct(sku: String!): Product", 1)
    (tmp_path / "catalog.graphql").write_text(clashing, encoding="utf-8")
    code, out = await processes.run(
        "compose.mjs", f"--subgraph=oms={ROOT / 'schema.graphql'}", f"--subgraph=catalog={tmp_path / 'catalog.graphql'}"
    )
    assert code == 1, out
    for composer in ("apollo", "guild"):
        assert f'{composer} composition error [INVALID_FIELD_SHARING]: Non-shareable field "Query.omsProduct"' in out
