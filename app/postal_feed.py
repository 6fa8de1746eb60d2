"""Reading a postal-code file: CSV with the header `country,postal_code,lat,lon`, checked line by line.

Every line is parsed and validated before anything is saved, so a file is
imported whole or not at all, and each problem names its line (the header is
line 1). Codes stay text: "01001" keeps its leading zero.
"""

from __future__ import annotations

import csv
from pathlib import Path

from domain import postal
from domain.errors import DomainError, InvalidInput
from domain.postal import PostalCode

COLUMNS = ("country", "postalcode", "lat", "lon")


def _column(name: str) -> str:
    return name.strip().lower().replace("_", "")


def read_csv(path: Path) -> tuple[list[PostalCode], list[str]]:
    """The file's rows in normal form, and its problems ("line 4: lat: ..."); any problem means import nothing."""
    rows: list[PostalCode] = []
    problems: list[str] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:  # -sig: spreadsheets often write a BOM
        reader = csv.reader(handle)
        header = [_column(h) for h in next(reader, [])]
        if any(c not in header for c in COLUMNS):
            return [], ["line 1: the header must name the columns country,postal_code,lat,lon"]
        where = [header.index(c) for c in COLUMNS]
        for number, line in enumerate(reader, start=2):
            if not any(cell.strip() for cell in line):
                continue
            try:
                rows.append(_row(line, where))
            except DomainError as error:
                problems.append(f"line {number}: {'.'.join(error.field)}: {error.message}")
    return rows, problems


def _row(line: list[str], where: list[int]) -> PostalCode:
    cells = [line[i] if i < len(line) else "" for i in where]
    country, code, lat, lon = cells
    return postal.validate(PostalCode(country, code, _number(lat, "lat"), _number(lon, "lon")))


def _number(text: str, name: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(f"{name} must be a number, not {text.strip()!r}", (name,)) from None
