"""The floor: a bare Strawberry schema serving recorded availability responses from memory.

It answers `availability(skus:)` (the PDP) and, as a federation subgraph,
`_entities` of `Product` with `availability` (the PLP), both from the
availability objects recorded from our server in the same run.

Same HTTP server, same GraphQL library, same response; no database, no rules,
no auth. The ratio of our server's latency to this one's is what we publish.
"""

from __future__ import annotations

import json
import os
from typing import Any

import strawberry
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache


@strawberry.type
class Loc:
    id: strawberry.ID
    name: str
    type: str


@strawberry.type
class LocationAvailability:
    location: Loc
    atp: int
    on_hand: int
    reserved: int
    held: int
    inbound: int
    applied_rules: list[strawberry.ID]


@strawberry.type
class Availability:
    sku: str
    channel: str
    market: str
    atp: int
    on_hand: int
    reserved: int
    inbound: int
    _locations: strawberry.Private[list[LocationAvailability]]

    @strawberry.field
    def locations(self, only_available: bool | None = False) -> list[LocationAvailability]:
        return [x for x in self._locations if not only_available or x.atp > 0]


def _load(path: str) -> dict[str, Availability]:
    with open(path, encoding="utf-8") as handle:
        recorded = json.load(handle)
    found = {}
    for a in recorded:
        locations = [
            LocationAvailability(
                location=Loc(**x["location"]),
                atp=x["atp"],
                on_hand=x["onHand"],
                reserved=x["reserved"],
                held=x["held"],
                inbound=x["inbound"],
                applied_rules=x["appliedRules"],
            )
            for x in a["locations"]
        ]
        found[a["sku"]] = Availability(
            sku=a["sku"],
            channel=a["channel"],
            market=a["market"],
            atp=a["atp"],
            on_hand=a["onHand"],
            reserved=a["reserved"],
            inbound=a["inbound"],
            _locations=locations,
        )
    return found


DATA = _load(os.environ["FLOOR_DATA"])


@strawberry.federation.type(keys=["sku"])
class Product:
    sku: str

    @strawberry.field
    def availability(self, channel: str, market: str) -> Availability:
        return DATA[self.sku]

    @classmethod
    def resolve_reference(cls, sku: str, **extra: Any) -> Product:
        return cls(sku=sku)


@strawberry.type
class Query:
    @strawberry.field
    def availability(
        self, skus: list[str], channel: str, market: str, location_ids: list[strawberry.ID] | None = None
    ) -> list[Availability]:
        return [DATA[s] for s in skus]


schema = strawberry.federation.Schema(
    query=Query,
    types=[Product],
    federation_version="2.9",
    extensions=[lambda: ParserCache(maxsize=128), lambda: ValidationCache(maxsize=128)],
)
app = GraphQL(schema)


async def health(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


async def floor(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "http" and scope["path"].startswith("/health"):
        await health(scope, receive, send)
        return
    await app(scope, receive, send)
