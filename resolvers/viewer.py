"""`omsViewer`: who the caller is and what their role may do, so a screen shows only the actions that work.

Prefixed like `omsProduct`: in a supergraph an account subgraph usually owns `viewer`.
"""

from __future__ import annotations

import strawberry

from domain.access import Principal, may_call
from domain.permissions import PERMISSIONS
from resolvers.context import Info


@strawberry.type(description="The caller as the server sees them (token role, bounds and scopes).")
class OmsViewer:
    principal: strawberry.Private[Principal]

    @strawberry.field(description="ADMIN, AGENT, STORE_ASSOCIATE, STORE_MANAGER, INTEGRATION or STOREFRONT.")
    def role(self) -> str:
        return self.principal.role.value

    @strawberry.field(description="No token was sent: a public storefront caller.")
    def anonymous(self) -> bool:
        return self.principal.anonymous

    @strawberry.field(description="The locations the token is bound to; null: every location.")
    def locations(self) -> list[strawberry.ID] | None:
        found = self.principal.locations
        return None if found is None else [strawberry.ID(x) for x in sorted(found)]

    @strawberry.field(description="The channels a storefront token is bound to; null: every channel.")
    def channels(self) -> list[str] | None:
        found = self.principal.channels
        return None if found is None else sorted(found)

    @strawberry.field(description="An integration token's scopes.")
    def scopes(self) -> list[str]:
        return sorted(self.principal.scopes)

    @strawberry.field(
        description='Whether this role may call an operation at all, e.g. "Mutation.reissueCollectionCode" '
        "(the arguments and the rows they name are still checked when it is called); false when unknown."
    )
    def may(self, operation: str) -> bool:
        return may_call(self.principal, PERMISSIONS.get(operation))


@strawberry.type
class ViewerQuery:
    @strawberry.field(description="Who is calling, and what their role may do.")
    def oms_viewer(self, info: Info) -> OmsViewer:
        return OmsViewer(principal=info.context.principal)
