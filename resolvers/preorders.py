"""GraphQL surface for pre-orders: the pre-order report (contract section 8, issue #22 part 7)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.services import preorders as service
from domain.preorders import ReportRow
from resolvers.context import Info

MAX_REPORT_SKUS = 500


@strawberry.type(description="Waiting pre-order lines promised for one date.")
class PreorderBacklog:
    promised_by: datetime
    orders: int
    units: int


@strawberry.type(description="One item's pre-orders: what was taken, what waits, what stock is coming.")
class PreorderReportItem:
    sku: str
    release_at: datetime | None = strawberry.field(description="Null: released (or never a pre-order item).")
    preorder_limit: int | None = strawberry.field(description="Null: no limit.")
    preordered: int = strawberry.field(description="Units pre-ordered in all (counted against the limit).")
    remaining: int | None = strawberry.field(description="Units that may still be pre-ordered; null: no limit.")
    waiting: int = strawberry.field(description="Units on pre-orders not allocated yet.")
    released: int = strawberry.field(description="Units on pre-orders allocated at the release.")
    on_hand: int = strawberry.field(description="Units on hand across locations (not sold before the release).")
    inbound: int = strawberry.field(description="Units inbound across locations (the positions' inbound).")
    inbound_eta: datetime | None = strawberry.field(description="The earliest inbound ETA.")
    backlog: list[PreorderBacklog] = strawberry.field(description="Waiting units by promise date, earliest first.")


def report_node(row: ReportRow) -> PreorderReportItem:
    return PreorderReportItem(
        sku=row.sku,
        release_at=row.release_at,
        preorder_limit=row.limit,
        preordered=row.preordered,
        remaining=None if row.limit is None else max(row.limit - row.preordered, 0),
        waiting=row.waiting,
        released=row.released,
        on_hand=row.on_hand,
        inbound=row.inbound,
        inbound_eta=row.inbound_eta,
        backlog=[PreorderBacklog(promised_by=at, orders=n, units=u) for at, n, u in row.backlog],
    )


@strawberry.type
class PreordersQuery:
    @strawberry.field(
        description="Per item: units pre-ordered, the limit, inbound promised, backlog by promise date. "
        "Without skus: every item with a release date or pre-orders."
    )
    async def preorder_report(self, info: Info, skus: list[str] | None = None) -> list[PreorderReportItem]:
        wanted = None if skus is None else skus[:MAX_REPORT_SKUS]
        return [report_node(row) for row in await service.report(info.context.resources, wanted)]
