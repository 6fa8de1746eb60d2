"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from app.auth import Principal
from app.resources import Resources
from app.services.uow import UnitOfWork
from domain.access import Role
from resolvers.errors import forbidden, unauthenticated
from resolvers.loaders import Loaders, make_loaders


@dataclass(slots=True)
class Context:
    resources: Resources
    principal: Principal
    request_id: str
    request: Any = None
    response: Any = None
    connection_params: dict[str, Any] | None = None
    _loaders: Loaders | None = field(init=False, default=None)

    @property
    def loaders(self) -> Loaders:
        """Built on first use: most mutations never load a relation, and seven DataLoaders per request add up."""
        if self._loaders is None:
            self._loaders = make_loaders(self.resources)
        return self._loaders

    def fresh_loaders(self) -> Loaders:
        """New loaders, for each event of a long-lived subscription."""
        return make_loaders(self.resources)

    def renew_loaders(self) -> Loaders:
        """After a command wrote: this request's nested fields read what it wrote, not what was cached before."""
        self._loaders = make_loaders(self.resources)
        return self._loaders

    def uow(self) -> UnitOfWork:
        return self.resources.uow()

    def require_staff(self) -> None:
        """Anonymous callers and storefronts may not; which other roles may is the permission matrix's call.

        Every root field is already guarded by its matrix entry (resolvers/access.py); this stays as a
        second line for resolvers written before the matrix.
        """
        if self.principal.anonymous:
            raise unauthenticated()
        if self.principal.role is Role.STOREFRONT:
            raise forbidden()

    @property
    def over_websocket(self) -> bool:
        """Operations on a WebSocket skip the HTTP gate's rate limit; the root-field guard applies it."""
        return isinstance(self.request, WebSocket)

    def location_filter(self, requested: str | None = None) -> frozenset[str] | None:
        """Locations a list query may return: None = no filter; an empty set = nothing visible."""
        return self.principal.narrow(requested)


Info: TypeAlias = StrawberryInfo[Context, None]
