"""Postal codes (domain.postal): one normal form for import and lookup, rows validated field by field."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain import postal
from domain.errors import InvalidInput
from domain.postal import PostalCode

BERLIN = PostalCode("DE", "10115", 52.532, 13.3849)


@pytest.mark.parametrize(
    ("country", "code", "normal"),
    [
        ("us", " 10001-1234 ", "10001"),
        ("US", "100011234", "10001"),
        ("US", "10001", "10001"),
        ("gb", "sw1a 1aa", "SW1A1AA"),
        ("PL", "00-950", "00950"),
        ("DE", "10115", "10115"),
        ("CA", "k1a 0b1", "K1A0B1"),
    ],
)
def test_codes_have_one_normal_form(country: str, code: str, normal: str) -> None:
    assert postal.normalise_code(country, code) == normal


def test_a_zip_plus_four_is_cut_to_its_zip_only_in_the_us() -> None:
    assert postal.normalise_code("NL", "10001-1234") == "100011234"


def test_a_good_row_comes_back_normalised() -> None:
    row = PostalCode(" gb ", "sw1a 1aa", 51.501, -0.1416)
    assert postal.validate(row) == PostalCode("GB", "SW1A1AA", 51.501, -0.1416)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"country": "DEU"}, "country"),
        ({"country": "D1"}, "country"),
        ({"country": ""}, "country"),
        ({"postal_code": ""}, "postalCode"),
        ({"postal_code": " - "}, "postalCode"),
        ({"postal_code": "10115!"}, "postalCode"),
        ({"postal_code": "1" * 21}, "postalCode"),
        ({"lat": 90.5}, "lat"),
        ({"lat": float("nan")}, "lat"),
        ({"lat": float("inf")}, "lat"),
        ({"lon": -180.5}, "lon"),
        ({"lon": float("nan")}, "lon"),
    ],
)
def test_bad_rows_name_their_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        postal.validate(replace(BERLIN, **change), ("input", "7"))  # type: ignore[arg-type]
    assert raised.value.field == ("input", "7", field)


def test_the_edges_of_the_globe_are_accepted() -> None:
    assert postal.validate(replace(BERLIN, lat=-90.0, lon=180.0)).lat == -90.0


def test_validate_all_reports_every_bad_row_by_index_and_keeps_the_last_of_a_code() -> None:
    rows = [BERLIN, replace(BERLIN, lat=91), replace(BERLIN, lat=52.0), replace(BERLIN, country="X")]
    good, errors = postal.validate_all(rows)
    assert good == [replace(BERLIN, lat=52.0)]
    assert [e.field for e in errors] == [("input", "1", "lat"), ("input", "3", "country")]


def test_more_rows_than_allowed_is_one_error() -> None:
    good, errors = postal.validate_all([BERLIN] * (postal.MAX_ROWS + 1))
    assert good == [] and [e.field for e in errors] == [("input",)]


def test_what_to_look_up_for_a_destination() -> None:
    field = ("destination",)
    assert postal.lookup_key(None, "US", field) is None
    assert postal.lookup_key("  ", None, field) is None
    assert postal.lookup_key("10001-1234", "us", field) == ("US", "10001")
    with pytest.raises(InvalidInput) as no_country:
        postal.lookup_key("10001", None, field)
    assert no_country.value.field == ("destination", "country")
    with pytest.raises(InvalidInput) as malformed:
        postal.lookup_key("<script>", "US", field)
    assert malformed.value.field == ("destination", "postalCode")
    assert malformed.value.message == "Unknown postal code '<script>' in US"
