"""Reading inventory feed files: CSV or JSON Lines, one update per line, streamed.

Columns (CSV header or JSON keys, snake_case or camelCase): sku, location_id,
quantity, as_of, and optionally inbound, inbound_eta, event_id. Nothing is read
ahead: a file of any size streams in constant memory.
"""

from __future__ import annotations

import csv
import functools
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from domain.errors import InvalidInput
from domain.inventory import InventoryUpdate

ALIASES = {
    "locationid": "location_id",
    "asof": "as_of",
    "inboundeta": "inbound_eta",
    "eventid": "event_id",
}


def _key(name: str) -> str:
    flat = name.strip().lower()
    return ALIASES.get(flat.replace("_", ""), flat)


def read_lines(path: Path, fmt: str | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, raw fields) for each data line of the file."""
    kind = fmt or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
    with path.open(encoding="utf-8", newline="") as handle:
        if kind == "csv":
            reader = csv.reader(handle)
            header = [_key(name) for name in next(reader, [])]  # normalised once, not per row
            width = len(header)
            for row in reader:
                if row:
                    yield reader.line_num, dict(zip(header, row[:width], strict=False))
            return
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, _json_line(line)


def _json_line(line: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        return {"__error__": f"not JSON: {error.msg}"}
    return {_key(k): v for k, v in value.items()} if isinstance(value, dict) else {"__error__": "not a JSON object"}


def to_update(fields: dict[str, Any]) -> InventoryUpdate:
    """The update a line describes; InvalidInput names the first field that is wrong."""
    get = fields.get
    sku, location, quantity, as_of = get("sku"), get("location_id"), get("quantity", ""), get("as_of")
    if sku and location and as_of and not get("inbound") and not get("inbound_eta") and "__error__" not in fields:
        try:  # the common line: four plain fields
            return InventoryUpdate(
                str(sku),
                str(location),
                int(quantity),
                _parse_time(str(as_of)),
                event_id=str(get("event_id")) if get("event_id") not in (None, "") else None,
            )
        except (TypeError, ValueError):
            pass  # the careful path below says exactly what is wrong
    return _careful(fields)


def _careful(fields: dict[str, Any]) -> InventoryUpdate:
    if "__error__" in fields:
        raise InvalidInput(fields["__error__"])
    return InventoryUpdate(
        sku=str(_required(fields, "sku")),
        location_id=str(_required(fields, "location_id")),
        quantity=_int(_required(fields, "quantity"), "quantity"),
        as_of=_time(_required(fields, "as_of"), "as_of"),
        inbound=_int(fields["inbound"], "inbound") if _present(fields, "inbound") else None,
        inbound_eta=_time(fields["inbound_eta"], "inbound_eta") if _present(fields, "inbound_eta") else None,
        event_id=str(fields["event_id"]) if _present(fields, "event_id") else None,
    )


def _present(fields: dict[str, Any], name: str) -> bool:
    return fields.get(name) not in (None, "")


def _required(fields: dict[str, Any], name: str) -> Any:
    if not _present(fields, name):
        raise InvalidInput(f"{name} is missing", (name,))
    return fields[name]


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} is not a whole number: {value!r}", (name,)) from None


def _time(value: Any, name: str) -> datetime:
    try:
        return _parse_time(str(value))
    except ValueError:
        raise InvalidInput(f"{name} is not an ISO 8601 time: {value!r}", (name,)) from None


@functools.lru_cache(maxsize=1024)
def _parse_time(text: str) -> datetime:
    """Feeds repeat the same few timestamps over and over: parse each once."""
    return datetime.fromisoformat(text)
