"""Both federation composers accept the live subgraphs; every hint is one we know and accept."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Stack

# Hints reviewed: the catalog and we describe Product differently (the supergraph keeps the catalog's).
KNOWN_HINTS = {"INCONSISTENT_DESCRIPTION"}


@pytest.mark.parametrize("composer", ["apollo", "guild"])
def test_composition_of_the_running_subgraphs_has_no_errors_and_only_known_hints(stack: Stack, composer: str) -> None:
    report = stack.composition[composer]
    assert report["errors"] == []
    assert {h["code"] for h in report["hints"]} <= KNOWN_HINTS, report["hints"]
    assert [s["name"] for s in stack.composition["subgraphs"]] == ["oms", "catalog"]
