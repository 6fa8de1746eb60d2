"""What the running server holds: made in the lifespan, handed to each request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.config import Settings
from app.pubsub import Broker
from app.ratelimit import RateLimiter
from app.services.availability import AvailabilityReader, SharedReads
from app.services.sales_counter import SalesCounter
from app.services.uow import UnitOfWork
from app.store.db import Database


@dataclass(slots=True)
class Resources:
    settings: Settings
    db: Database
    broker: Broker
    admin_token: str | None
    availability: AvailabilityReader = field(init=False)
    shared_reads: SharedReads = field(init=False)
    sales: SalesCounter = field(init=False)
    on_recorded: Callable[[], None] | None = None  # the scheduler's wake-up, once it runs
    scheduler: Any = None  # app.scheduler.Scheduler, set by the server (it imports this module)
    storefront_token: str | None = None  # the demo storefront's public token, when the demo pages run
    limiter: RateLimiter | None = None  # per-caller rate limit, None when off

    def __post_init__(self) -> None:
        self.availability = AvailabilityReader(self.db)
        self.shared_reads = SharedReads(self.availability)
        self.sales = SalesCounter(self.db)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db, self.broker, on_recorded=self._recorded)

    def _recorded(self) -> None:
        if self.on_recorded is not None:
            self.on_recorded()
