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
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = make_loaders(self.resources)

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
