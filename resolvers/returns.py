"""GraphQL types and inputs for returns of delivered units."""

from __future__ import annotations

import strawberry

from domain import orders as domain
from resolvers.errors import UserError

ReturnStatus = strawberry.enum(domain.ReturnStatus)


@strawberry.input
class ReturnLineInput:
    sku: str
    quantity: int


@strawberry.input(description="Units of a delivered order coming back, why, and where they will be received.")
class ReturnInput:
    order_id: strawberry.ID
    lines: list[ReturnLineInput]
    reason: str
    location_id: strawberry.ID | None = None

    def to_domain(self) -> domain.ReturnRequest:
        return domain.ReturnRequest(
            str(self.order_id),
            tuple(domain.ReturnLine(x.sku, x.quantity) for x in self.lines),
            self.reason,
            str(self.location_id) if self.location_id else None,
        )


@strawberry.type
class ReturnLine:
    sku: str
    quantity: int


@strawberry.type
class Return:
    id: strawberry.ID
    order_id: strawberry.ID
    status: ReturnStatus  # type: ignore[valid-type]
    reason: str
    lines: list[ReturnLine]
    location_id: strawberry.ID | None


@strawberry.type
class ReturnPayload:
    return_: Return | None = strawberry.field(name="return")
    user_errors: list[UserError]
