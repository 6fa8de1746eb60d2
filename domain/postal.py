"""Postal codes: where a shopper is when all they gave is a postal code.

A destination may name a postal code and a country instead of coordinates; the
code is looked up (imported codes first, then the US ZIPs shipped offline) and
its centre stands in for the shopper's coordinates. Codes are compared in one
normal form, the same on import and on lookup: country in upper case (ISO 3166-1
alpha-2), code in upper case without spaces or hyphens, so "sw1a 1aa" finds
"SW1A 1AA"; a US ZIP+4 ("10001-1234") is its five-digit ZIP, since coordinates
are known per ZIP. Explicit coordinates always win over a postal code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.errors import DomainError, InvalidInput

MAX_CODE = 20
MAX_ROWS = 10_000  # per importPostalCodes call: one transaction stays short
_COUNTRY = re.compile(r"[A-Z]{2}")
_CODE = re.compile(r"[A-Za-z0-9 -]{1,20}")
_US_ZIP = re.compile(r"(\d{5})(\d{4})?")

Key = tuple[str, str]  # (country, normalised code)


@dataclass(frozen=True, slots=True)
class PostalCode:
    country: str
    postal_code: str
    lat: float
    lon: float


def normalise_country(country: str) -> str:
    return country.strip().upper()


def normalise_code(country: str, postal_code: str) -> str:
    """The code as stored and looked up: upper case, no spaces or hyphens; a US ZIP+4 becomes its ZIP."""
    code = re.sub(r"[\s-]+", "", postal_code).upper()
    if normalise_country(country) == "US" and (zip_plus_four := _US_ZIP.fullmatch(code)):
        return zip_plus_four.group(1)
    return code


def check_country(country: str, field: tuple[str, ...]) -> str:
    """The normalised country, or InvalidInput on `field`."""
    normal = normalise_country(country)
    if not _COUNTRY.fullmatch(normal):
        raise InvalidInput(f"country must be an ISO 3166-1 alpha-2 code such as 'US', not {country!r}", field)
    return normal


def well_formed(postal_code: str) -> bool:
    """1 to 20 letters, digits, spaces or hyphens, with at least one letter or digit."""
    raw = postal_code.strip()
    return bool(_CODE.fullmatch(raw)) and bool(re.sub(r"[\s-]+", "", raw))


def validate(row: PostalCode, field: tuple[str, ...] = ()) -> PostalCode:
    """The row in normal form, or InvalidInput naming the first bad field."""
    country = check_country(row.country, (*field, "country"))
    if not well_formed(row.postal_code):
        raise InvalidInput(
            f"postalCode must be 1 to {MAX_CODE} letters, digits, spaces or hyphens", (*field, "postalCode")
        )
    if not (-90.0 <= row.lat <= 90.0):  # NaN fails this too
        raise InvalidInput("lat must be between -90 and 90", (*field, "lat"), lat=row.lat)
    if not (-180.0 <= row.lon <= 180.0):  # NaN fails this too
        raise InvalidInput("lon must be between -180 and 180", (*field, "lon"), lon=row.lon)
    return PostalCode(country, normalise_code(country, row.postal_code), row.lat, row.lon)


def validate_all(
    rows: list[PostalCode], field: tuple[str, ...] = ("input",)
) -> tuple[list[PostalCode], list[DomainError]]:
    """Every row in normal form and every bad row's error (its index in the field path); a later row for the
    same code wins, as it would in a file read top to bottom."""
    if len(rows) > MAX_ROWS:
        return [], [InvalidInput(f"At most {MAX_ROWS:,} postal codes per call", field)]
    good: dict[Key, PostalCode] = {}
    errors: list[DomainError] = []
    for index, row in enumerate(rows):
        try:
            normal = validate(row, (*field, str(index)))
        except DomainError as error:
            errors.append(error)
            continue
        good[(normal.country, normal.postal_code)] = normal
    return list(good.values()), errors


def lookup_key(postal_code: str | None, country: str | None, field: tuple[str, ...]) -> Key | None:
    """What to look up for a destination without coordinates: None when it names no postal code.

    A code without its country is refused (codes repeat across countries), so is a malformed one.
    """
    if postal_code is None or not postal_code.strip():
        return None
    if country is None or not country.strip():
        raise InvalidInput("postalCode needs its country", (*field, "country"))
    normal = check_country(country, (*field, "country"))
    if not well_formed(postal_code):
        raise unknown(postal_code, normal, field)
    return normal, normalise_code(normal, postal_code)


def unknown(postal_code: str, country: str, field: tuple[str, ...]) -> InvalidInput:
    code = postal_code.strip()
    return InvalidInput(f"Unknown postal code {code!r} in {country}", (*field, "postalCode"), postal_code=code)
