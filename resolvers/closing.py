"""GraphQL surface for a store that closes for a while and reopens (contract section 8, `setLocationActive`)."""

from __future__ import annotations

import strawberry

from app.services import closing
from domain.errors import DomainError
from resolvers.context import Info
from resolvers.errors import UserError, user_error
from resolvers.network import Location, location_node


@strawberry.input(description="Close a location for a while (flood, strike, inventory count), or reopen it.")
class SetLocationActiveInput:
    id: strawberry.ID
    active: bool = strawberry.field(description="false stops new promises there at once; true restores them.")
    reason: str = strawberry.field(description="Why: told to every order whose work moves (at most 500 characters).")
    resource_open_work: bool | None = strawberry.field(
        default=True,
        description="On closing, re-source the location's unstarted fulfillments elsewhere "
        "(a task for each nothing else can serve). Started work stays. Reopening moves nothing back.",
    )


@strawberry.type
class SetLocationActivePayload:
    location: Location | None
    resourced: int = strawberry.field(description="Fulfillments moved to other locations by this call.")
    unresolved: int = strawberry.field(description="Unstarted fulfillments still here, each with a STORE_CLOSED task.")
    kept: int = strawberry.field(
        description="Started work (PICKING to READY_FOR_COLLECTION) that stays: see fulfillments(locationId:)."
    )
    user_errors: list[UserError]


@strawberry.type
class ClosingMutation:
    @strawberry.mutation(
        description="Open or close a location. Closing commits first (promising stops at once), then re-sources "
        "each unstarted fulfillment in its own transaction; calling again resumes and changes nothing done."
    )
    async def set_location_active(self, info: Info, input: SetLocationActiveInput) -> SetLocationActivePayload:  # noqa: A002
        try:
            done = await closing.set_location_active(
                info.context.resources,
                location_id=str(input.id),
                active=input.active,
                reason=input.reason,
                resource_open_work=input.resource_open_work is not False,
                who=info.context.principal.subject,
            )
        except DomainError as error:
            return SetLocationActivePayload(
                location=None, resourced=0, unresolved=0, kept=0, user_errors=[user_error(error)]
            )
        info.context.renew_loaders()
        return SetLocationActivePayload(
            location=location_node(done.location),
            resourced=done.resourced,
            unresolved=done.unresolved,
            kept=done.kept,
            user_errors=[],
        )
