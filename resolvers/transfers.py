"""GraphQL surface of ship-to-store transfers (contract section 8): the store receives a transfer."""

from __future__ import annotations

import strawberry

from app.services import handover
from app.services import transfers as service
from domain.errors import DomainError
from resolvers.context import Info
from resolvers.errors import user_error
from resolvers.picking import FulfillmentPayload, _fulfillment


@strawberry.type
class TransfersMutation:
    @strawberry.mutation(
        description="The pickup store received the transfer for this pickup fulfillment (its id, with "
        "transferFrom): the units join the store's shelf reserved for it and it becomes READY_FOR_COLLECTION "
        "(a collection code goes to the customer). Receiving again changes nothing."
    )
    async def receive_transfer(self, info: Info, fulfillment_id: strawberry.ID) -> FulfillmentPayload:
        info.context.require_staff()
        fid, resources = str(fulfillment_id), info.context.resources
        try:
            done = await service.receive_transfer(resources, fulfillment_id=fid, who=info.context.principal.subject)
        except DomainError as error:
            order_id = await handover.order_of(resources, fid)
            current = await _fulfillment(info, order_id, fid) if order_id else None
            return FulfillmentPayload(fulfillment=current, user_errors=[user_error(error)])
        return FulfillmentPayload(fulfillment=await _fulfillment(info, done.order_id, fid), user_errors=[])
