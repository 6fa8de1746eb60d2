"""Responses are serialised by orjson as text; what orjson refuses still serialises."""

from __future__ import annotations

import json

from resolvers.view import GraphQLView


def test_a_response_is_compact_json_text() -> None:
    data = {"data": {"sku": "Größe", "atp": 3, "share": 0.25, "tags": [None, True]}}
    encoded = GraphQLView.encode_json(None, data)  # type: ignore[arg-type]
    assert isinstance(encoded, str)
    assert json.loads(encoded) == data
    assert " " not in encoded.replace("Größe", "")


def test_an_integer_past_64_bits_falls_back_to_json() -> None:
    data = {"data": {"big": 2**70}}
    assert json.loads(GraphQLView.encode_json(None, data)) == data  # type: ignore[arg-type]
