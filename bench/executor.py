"""Execution alone, in process: a PLP-shaped answer from the same Python objects, three ways.

24 products x 40 locations (`_entities`-like root list, an async resolver per product as a
dataloader would be, plain attributes below), executed by graphql-core's `execute`, by
`engine.execute` from a cached plan, and built by hand as dicts; each then serialised with
json. No HTTP, no database: the ratio is the executor's own cost.

    python -m bench.executor [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

import strawberry
from graphql import execute as reference_execute
from graphql import parse, validate

import engine

PRODUCTS, LOCATIONS = 24, 40


@strawberry.type
class Place:
    id: strawberry.ID
    name: str


@strawberry.type
class Stock:
    location: Place
    atp: int
    on_hand: int


@strawberry.type
class Availability:
    sku: str
    atp: int
    locations: list[Stock]


@strawberry.type
class Product:
    sku: str
    _availability: strawberry.Private[Availability]

    @strawberry.field
    async def availability(self, channel: str) -> Availability:
        await asyncio.sleep(0)
        return self._availability


def catalogue() -> list[Product]:
    places = [Place(id=strawberry.ID(f"loc-{i}"), name=f"Store {i}") for i in range(LOCATIONS)]
    return [
        Product(
            sku=f"sku-{p}",
            _availability=Availability(
                sku=f"sku-{p}",
                atp=LOCATIONS * 3,
                locations=[Stock(location=place, atp=3, on_hand=5) for place in places],
            ),
        )
        for p in range(PRODUCTS)
    ]


PRODUCTS_DATA = catalogue()


@strawberry.type
class Query:
    @strawberry.field
    def products(self) -> list[Product]:
        return PRODUCTS_DATA


QUERY = """{ products { sku availability(channel: "web") { sku atp locations { location { id } atp } } } }"""


def by_hand() -> dict[str, Any]:
    return {
        "products": [
            {
                "sku": p.sku,
                "availability": {
                    "sku": p._availability.sku,
                    "atp": p._availability.atp,
                    "locations": [{"location": {"id": s.location.id}, "atp": s.atp} for s in p._availability.locations],
                },
            }
            for p in PRODUCTS_DATA
        ]
    }


async def timed(run: Any, rounds: int) -> float:
    """CPU milliseconds per execution + serialisation (median of `rounds`)."""
    samples = []
    for _ in range(rounds):
        started = time.process_time()
        result = run()
        if asyncio.iscoroutine(result):
            result = await result
        json.dumps(result if isinstance(result, dict) else result.data)
        samples.append((time.process_time() - started) * 1000)
    samples.sort()
    return samples[len(samples) // 2]


async def main(rounds: int) -> dict[str, float]:
    schema = strawberry.Schema(query=Query)._schema
    document = parse(QUERY)
    assert not validate(schema, document)
    reference = await reference_execute(schema, document)  # type: ignore[misc]
    planned = await engine.execute(schema, document)  # type: ignore[misc]
    assert json.dumps(reference.data) == json.dumps(planned.data) == json.dumps(by_hand())
    figures = {
        "reference_ms": await timed(lambda: reference_execute(schema, document), rounds),
        "planned_ms": await timed(lambda: engine.execute(schema, document), rounds),
        "hand_built_ms": await timed(by_hand, rounds),
    }
    figures["reference_over_hand_built"] = figures["reference_ms"] / figures["hand_built_ms"]
    figures["planned_over_hand_built"] = figures["planned_ms"] / figures["hand_built_ms"]
    figures["reference_over_planned"] = figures["reference_ms"] / figures["planned_ms"]
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    found = asyncio.run(main(parser.parse_args().rounds))
    print(json.dumps({k: round(v, 3) for k, v in found.items()}, indent=1))
