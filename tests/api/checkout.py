"""Checkout helpers the hold, capacity and slot tests share: a one-store network, holds, orders, lapsing time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update

from app.store.tables.checkout import checkout_holds, hold_lines
from domain.access import Role
from tests.api.network import location, sync, upsert_locations
from tests.api.network import update as stock_update
from tests.api.principals import token_for
from tests.harness import Api, Client

HOLD_FIELDS = """id status expiresAt channel market lines { sku quantity } orderId pickupSlotStartsAt
  pickupSlot { startsAt capacity booked available }
  plan { profileId shipments explanation allocations { location { id } sku quantity } }"""
CREATE = f"""
mutation($input: CheckoutHoldInput!) {{
  createCheckoutHold(input: $input) {{ hold {{ {HOLD_FIELDS} }} userErrors {{ field message code }} }}
}}"""
EXTEND = f"""
mutation($id: ID!, $ttl: Int!) {{
  extendCheckoutHold(id: $id, ttlSeconds: $ttl) {{ hold {{ {HOLD_FIELDS} }} userErrors {{ field message code }} }}
}}"""
RELEASE = f"""
mutation($id: ID!) {{
  releaseCheckoutHold(id: $id) {{ hold {{ {HOLD_FIELDS} }} userErrors {{ field message code }} }}
}}"""
READ = f"query($id: ID!) {{ checkoutHold(id: $id) {{ {HOLD_FIELDS} }} }}"
PLACE = """
mutation($input: PlaceOrderInput!) {
  placeOrder(input: $input) {
    order { id status pickupSlotStartsAt fulfillments { id status location { id } lines { sku quantity } }
            plan { allocations { location { id } sku quantity } } }
    userErrors { field message code }
  }
}"""
CANCEL = 'mutation($id: ID!) { cancelOrder(id: $id, reason: "test") { userErrors { code message } } }'
HOME = {"lat": 40.71, "lon": -74.0}
SHIP = {"method": "SHIP", "destination": {"geo": HOME}}


async def one_store(api: Api, units: int, *, capacity: int | None = None, sku: str = "A", **extra: Any) -> None:
    await upsert_locations(api, location("s1", dailyCapacity=capacity, **extra))
    await api.gql(
        "mutation($i: [ItemInput!]!) { upsertItems(input: $i) { count } }", {"i": [{"sku": sku, "category": "c"}]}
    )
    await sync(api, "SNAPSHOT", stock_update(sku, "s1", units))


async def storefront(api: Api, channel: str = "web") -> str:
    return await token_for(api.server, Role.STOREFRONT, channels={channel})


def hold_input(
    key: str, quantity: int = 1, *, sku: str = "A", delivery: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "idempotencyKey": key,
        "channel": "web",
        "market": "US",
        "lines": [{"sku": sku, "quantity": quantity}],
        "delivery": delivery or SHIP,
    } | extra


def order_input(
    key: str, quantity: int = 1, *, sku: str = "A", delivery: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "idempotencyKey": key,
        "channel": "web",
        "market": "US",
        "customer": {"id": "c1"},
        "lines": [{"sku": sku, "quantity": quantity, "unitPrice": 5.0}],
        "delivery": delivery or SHIP,
    } | extra


async def create(api: Client, token: str | None, **kwargs: Any) -> dict[str, Any]:
    data = await api.gql(CREATE, {"input": hold_input(**kwargs)}, token=token)
    return dict(data["createCheckoutHold"])


async def place(api: Client, token: str | None, **kwargs: Any) -> dict[str, Any]:
    data = await api.gql(PLACE, {"input": order_input(**kwargs)}, token=token)
    return dict(data["placeOrder"])


async def lapse(api: Api, hold_ids: list[str] | None = None) -> None:
    """Time passes for these holds (every hold when None): their expiry moves a second into the past."""
    past = datetime.now().astimezone() - timedelta(seconds=1)
    async with api.server.resources.db.write() as conn:
        holds_query = update(checkout_holds).values(expires_at=past)
        lines_query = update(hold_lines).values(expires_at=past)
        if hold_ids is not None:
            holds_query = holds_query.where(checkout_holds.c.id.in_(hold_ids))
            lines_query = lines_query.where(hold_lines.c.hold_id.in_(hold_ids))
        await conn.execute(holds_query)
        await conn.execute(lines_query)
