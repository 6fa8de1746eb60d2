"""Value-added services (gift wrap, engraving, alteration): a VAS task at the location that fulfils the line.

The task must be DONE before that fulfillment can be packed (see `domain.picking`).
"""

from __future__ import annotations

from collections.abc import Iterable

from app.services import task_log
from app.services.uow import UnitOfWork
from domain.orders import FulfillmentLine, OrderLine
from domain.tasks import VAS


async def open_tasks(
    uow: UnitOfWork,
    order_id: str,
    lines: Iterable[OrderLine],
    groups: dict[str, list[FulfillmentLine]],
    ids: dict[str, str],
) -> int:
    """One VAS task per fulfillment line whose order line asks for services; no statement when none does."""
    services: dict[str, list[str]] = {}
    for line in lines:
        for service in line.services:
            if service not in services.setdefault(line.sku, []):
                services[line.sku].append(service)
    opened = 0
    for location_id, fulfillment_lines in groups.items():
        for item in fulfillment_lines:
            wanted = services.get(item.sku)
            if wanted:
                note = f"{', '.join(wanted)} for {item.sku} x{item.quantity}"
                await task_log.open_task(
                    uow, VAS, order_id=order_id, location_id=location_id, subject_id=ids[location_id], note=note
                )
                opened += 1
    return opened
