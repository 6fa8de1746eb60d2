"""The relay with nobody listening: events are marked done without enrichment (a listener gets
recommendations: see test_webhooks_api)."""

from __future__ import annotations

from sqlalchemy import select

from app.services.relay import Relay
from app.store.tables import outbox_events
from tests.api.test_orders_api import PLACE, order_input
from tests.api.test_webhooks_api import shop
from tests.harness import Api


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
