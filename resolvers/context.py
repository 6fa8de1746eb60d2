"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

from strawberry.types import Info as StrawberryInfo

from app.auth import Principal
from app.resources import Resources
from app.services.uow import UnitOfWork
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

    def uow(self) -> UnitOfWork:
        return self.resources.uow()

    def require_staff(self) -> None:
        """Mutations and staff queries: anonymous callers and the storefront may not."""
        if self.principal.anonymous:
            raise unauthenticated()
        if not self.principal.is_staff:
            raise forbidden()


Info: TypeAlias = StrawberryInfo[Context, None]
