"""The contract: `first` is capped at 100 on every connection; more asks for a full page, it is never refused."""

from __future__ import annotations

from typing import Any

from tests.api.network import sync, update
from tests.api.test_orders_api import network, order_input
from tests.api.test_webhooks_api import register
from tests.harness import Api
from tests.receiver import receiving

PLACE = "mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } userErrors { code } } }"
PAGE = "edges { cursor } pageInfo { hasNextPage endCursor }"
CONNECTIONS = {
    "orders": f"{{ orders(first: 1000) {{ {PAGE} }} }}",
    "customer orders": f"""{{ _entities(representations: [{{__typename: "Customer", id: "cust-1"}}]) {{
        ... on Customer {{ orders(first: 1000) {{ {PAGE} }} }} }} }}""",
    "fulfillments": f'{{ fulfillments(locationId: "near", first: 1000) {{ {PAGE} }} }}',
    "tasks": f"{{ tasks(first: 1000) {{ {PAGE} }} }}",
    "webhookDeliveries": f"{{ webhookDeliveries(first: 1000) {{ {PAGE} }} }}",
}
WRAPPED = {"sku": "A", "quantity": 1, "unitPrice": 10.0, "services": ["gift wrap"]}  # a VAS task per order


def connection(data: dict[str, Any]) -> dict[str, Any]:
    found = next(iter(data.values()))
    return dict(found[0]["orders"] if isinstance(found, list) else found)  # _entities: a list of one customer


async def test_first_above_100_is_capped_at_100_on_every_connection(api: Api) -> None:
    for name, query in CONNECTIONS.items():  # empty: accepted, nothing to page
        page = connection(await api.gql(query))
        assert page["edges"] == [] and page["pageInfo"] == {"hasNextPage": False, "endCursor": None}, name
    await network(api)
    await sync(api, "SNAPSHOT", update("A", "near", 500))
    async with receiving() as hook:  # each order: an order, a fulfillment, a VAS task, an order.created delivery
        assert (await register(api, hook.url, ["order.created"]))["userErrors"] == []
        for i in range(101):
            placed = await api.gql(PLACE, {"input": order_input(key=f"k{i}") | {"lines": [WRAPPED]}})
            assert placed["placeOrder"]["order"] is not None, placed
        await hook.wait_for(101, seconds=30)
    for name, query in CONNECTIONS.items():
        page = connection(await api.gql(query))
        assert len(page["edges"]) == 100 and page["pageInfo"]["hasNextPage"] is True, name
        after = page["pageInfo"]["endCursor"]
        rest = query.replace("first: 1000", f'first: 1000, after: "{after}"')
        assert len(connection(await api.gql(rest))["edges"]) == 1, name
