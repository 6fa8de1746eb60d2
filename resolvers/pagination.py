"""Relay-style cursors shared by every growing list (orders, tasks, webhook deliveries).

A cursor is the (created at, id) of the last row seen, opaque to clients;
pages are newest first and `first` is capped at 100.
"""

from __future__ import annotations

import base64
from datetime import datetime

import strawberry

from resolvers.errors import bad_request

MAX_PAGE = 100


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


def page_size(first: int | None) -> int:
    """`first` rows, at most MAX_PAGE: a larger `first` gets a full page and `hasNextPage`, not a refusal."""
    size = MAX_PAGE if first is None else first
    if size < 1:
        raise bad_request("first must be 1 or more")
    return min(size, MAX_PAGE)


def encode(created_at: datetime, row_id: str) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{row_id}".encode()).decode()


def decode(cursor: str | None) -> tuple[datetime, str] | None:
    if cursor is None:
        return None
    try:
        at, row_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return datetime.fromisoformat(at), row_id
    except (ValueError, UnicodeDecodeError):
        raise bad_request("Malformed cursor") from None


def page_info(found: int, size: int, last_cursor: str | None) -> PageInfo:
    """`found` rows were read for a page of `size` (one extra row means another page follows)."""
    return PageInfo(has_next_page=found > size, end_cursor=last_cursor)
