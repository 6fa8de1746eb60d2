"""The bare-stack floor of placeOrder: our HTTP server and GraphQL library doing the raw floor's work.

A Strawberry mutation `placeOrder` with the contract's input shape, served by
uvicorn, that runs the raw floor's transaction (the guarded UPDATE of the
SKU's hot position plus one INSERT) on an asyncpg pool, and answers
`{ order { id } userErrors { code } }`. No authentication, sourcing,
idempotency, order tables, outbox, pub/sub or metrics.

Between the raw asyncpg floor and our server it shows what the stack itself
costs (uvicorn, JSON, Strawberry, graphql-core) on the same machine, in the
same run, so the README can say how much of the distance is ours.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import asyncpg
import strawberry
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

POOL: dict[str, Any] = {}


@strawberry.input
class GeoInput:
    lat: float
    lon: float


@strawberry.input
class DestinationInput:
    geo: GeoInput | None = None
    postal_code: str | None = None
    country: str | None = None


@strawberry.input
class DeliveryInput:
    method: str
    pickup_location_id: strawberry.ID | None = None
    destination: DestinationInput | None = None


@strawberry.input
class CustomerInput:
    id: strawberry.ID
    segment: str | None = None
    email: str | None = None


@strawberry.input
class OrderLineInput:
    sku: str
    quantity: int
    unit_price: float
    services: list[str] | None = None


@strawberry.input
class PlaceOrderInput:
    idempotency_key: str
    channel: str
    market: str
    customer: CustomerInput
    lines: list[OrderLineInput]
    delivery: DeliveryInput
    risk_score: float | None = None


@strawberry.type
class Order:
    id: strawberry.ID


@strawberry.type
class UserError:
    code: str


@strawberry.type
class PlaceOrderPayload:
    order: Order | None
    user_errors: list[UserError]


@strawberry.type
class Query:
    @strawberry.field
    def ok(self) -> bool:
        return True


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def place_order(self, input: PlaceOrderInput) -> PlaceOrderPayload:  # noqa: A002
        line = input.lines[0]
        order_id = uuid.uuid4().hex
        async with POOL["pool"].acquire() as conn, conn.transaction():
            status = await conn.execute(
                "UPDATE floor_positions SET reserved = reserved + $2 WHERE sku = $1 AND on_hand - reserved >= $2",
                line.sku,
                line.quantity,
            )
            if status.endswith(" 0"):
                return PlaceOrderPayload(order=None, user_errors=[UserError(code="INSUFFICIENT_STOCK")])
            await conn.execute("INSERT INTO floor_orders VALUES ($1, $2, $3)", order_id, line.sku, "")
        return PlaceOrderPayload(order=Order(id=strawberry.ID(order_id)), user_errors=[])


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    extensions=[lambda: ParserCache(maxsize=128), lambda: ValidationCache(maxsize=128)],
)
graphql_app = GraphQL(schema)


async def app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                size = int(os.environ.get("FLOOR_POOL_SIZE", "50"))
                POOL["pool"] = await asyncpg.create_pool(os.environ["FLOOR_DSN"], min_size=size, max_size=size)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await POOL["pool"].close()
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] == "http" and scope["path"].startswith("/health"):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        return
    await graphql_app(scope, receive, send)
