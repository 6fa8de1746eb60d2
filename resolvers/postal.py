"""GraphQL surface for postal codes (contract section 7): importing them, and destinations resolved from one."""

from __future__ import annotations

import strawberry

from app.services import postal as service
from domain import postal
from domain.errors import DomainError
from domain.locations import Geo
from resolvers.context import Info
from resolvers.errors import UserError, bad_request, user_errors
from resolvers.network import DestinationInput


@strawberry.input(description="The centre of a postal code; a later import of the same code replaces it.")
class PostalCodeInput:
    country: str
    postal_code: str
    lat: float
    lon: float


@strawberry.type
class ImportPostalCodesPayload:
    count: int
    user_errors: list[UserError]


async def destination_geo(
    info: Info, destination: DestinationInput | None, field: tuple[str, ...] = ("destination",)
) -> Geo | None:
    """A query's destination as coordinates: its geo, else its postal code's centre (BAD_REQUEST when unknown).

    Lookups go through the request's dataloader: a page of 24 products asking for the same destination
    costs one lookup, and all the codes of one request share one statement.
    """
    if destination is None:
        return None
    if destination.geo is not None:
        return Geo(destination.geo.lat, destination.geo.lon)
    try:
        key = postal.lookup_key(destination.postal_code, destination.country, field)
    except DomainError as error:
        raise bad_request(error.message) from None
    if key is None:
        return None
    found = await info.context.loaders.postal_geo.load(key)
    if found is None:
        raise bad_request(postal.unknown(destination.postal_code or "", key[0], field).message)
    return found


@strawberry.type
class PostalMutation:
    @strawberry.mutation(
        description="Postal codes with their centres, so destinations can name a postal code alone. "
        "All or nothing: one bad row (a userError with its index) and none is saved. At most 10,000 per call."
    )
    async def import_postal_codes(
        self,
        info: Info,
        input: list[PostalCodeInput],  # noqa: A002
    ) -> ImportPostalCodesPayload:
        info.context.require_staff()
        rows = [postal.PostalCode(x.country, x.postal_code, x.lat, x.lon) for x in input]
        count, errors = await service.import_postal_codes(info.context.resources, rows)
        return ImportPostalCodesPayload(count=count, user_errors=user_errors(errors))
