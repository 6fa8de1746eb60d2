"""The relay with nobody listening: events are marked done without enrichment (a listener gets
recommendations: see test_webhooks_api); settled events past the retention are deleted."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.services.relay import Relay, purge_expired
from app.services.uow import utc_now
from app.store.tables.outbox import outbox_events, webhook_deliveries
from tests.api.test_orders_api import PLACE, order_input
from tests.api.test_webhooks_api import register, shop
from tests.harness import Api
from tests.receiver import receiving


async def stored_events(api: Api) -> list[tuple[str, bool, bool]]:
    """(type, fanned out, carries recommendations) of every outbox event, oldest first."""
    async with api.server.resources.db.read() as conn:
        rows = await conn.execute(select(outbox_events).order_by(outbox_events.c.seq))
        return [(r.type, r.fanned_out, "recommendations" in r.payload) for r in rows]


async def test_an_order_nobody_listens_for_is_fanned_out_without_recommendations(api: Api) -> None:
    await shop(api)
    await api.gql(PLACE, {"input": order_input(lines=[("A", 1)])})
    while await Relay(api.server.resources).fan_out():
        pass
    assert ("order.created", True, False) in await stored_events(api)


async def test_settled_events_past_the_retention_go_with_their_deliveries(api: Api) -> None:
    resources = api.server.resources
    await shop(api)
    async with receiving() as ok, receiving([500] * 8) as failing:
        await register(api, ok.url, ["order.*"])
        await api.gql(PLACE, {"input": order_input(key="first", lines=[("A", 1)])})
        await ok.wait_for(1)
        await register(api, failing.url, ["order.created"])
        second = (await api.gql(PLACE, {"input": order_input(key="second", lines=[("B", 1)])}))["placeOrder"]
        await failing.wait_for(1)  # refused: its delivery stays PENDING, to be retried
        await ok.wait_for(2)
        while await Relay(resources).fan_out():
            pass
        assert await purge_expired(resources) == 0  # nothing is 14 days old yet
        purged = await purge_expired(resources, utc_now() + timedelta(days=15))
        async with resources.db.read() as conn:
            left = [(r.type, r.payload["order"]["id"]) for r in await conn.execute(select(outbox_events))]
            kept = sorted(r.status for r in await conn.execute(select(webhook_deliveries)))
    assert left == [("order.created", second["order"]["id"])]  # a delivery of it is still being retried
    assert kept == ["DELIVERED", "PENDING"]  # the first order's delivery went with its event
    assert purged == 2  # the first order's event, and the stock sync nobody listened to
