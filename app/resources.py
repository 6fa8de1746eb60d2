"""What the running server holds: made in the lifespan, handed to each request."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.config import Settings
from app.pubsub import Broker
from app.services.availability import AvailabilityReader
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
    sales: SalesCounter = field(init=False)

    def __post_init__(self) -> None:
        self.availability = AvailabilityReader(self.db)
        self.sales = SalesCounter(self.db)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db, self.broker)
