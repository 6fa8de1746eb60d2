"""GraphQL-over-HTTP media types: the one a response is written in, chosen from the client's Accept header.

`application/graphql-response+json` when the client accepts it at least as much as `application/json`;
otherwise (no Accept header, `*/*`, `application/json`: legacy clients and most gateways) `application/json`,
so those keep answering 200 for every well-formed request, GraphQL errors included.
"""

from __future__ import annotations

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"
_LEGACY_RANGES = (JSON, "application/*", "*/*")


def response_media_type(accept: str | None) -> str:
    best_graphql, best_json = 0.0, 0.0
    for media_range in (accept or "").split(","):
        name, _, params = media_range.partition(";")
        name = name.strip().lower()
        weight = _quality(params)
        if name == GRAPHQL_RESPONSE_JSON:
            best_graphql = max(best_graphql, weight)
        elif name in _LEGACY_RANGES:
            best_json = max(best_json, weight)
    return GRAPHQL_RESPONSE_JSON if best_graphql > 0 and best_graphql >= best_json else JSON


def content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8"


def _quality(params: str) -> float:
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "q":
            try:
                return min(1.0, max(0.0, float(value.strip())))
            except ValueError:
                return 0.0
    return 1.0
