"""`GET /reports/operations.csv`: the operations report as CSV, for spreadsheets and scripts.

The same parameters as `operationsReport(input)` as query parameters (`from`, `to`, `granularity`,
`locationIds` comma-separated, `channel`), the same bearer token and the same permission rule (a store role
sees its own stores; naming another is FORBIDDEN), and the same numbers: one row per bucket, then a `total`
row. Refusals answer like the GraphQL endpoint's gate: 401 without a valid token, 403 for a role or store
that may not, 400 for bad parameters, 429 past the caller's rate limit (the bucket `/graphql` draws on),
each with a message saying what to fix.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from app import auth
from app.gate import error_response, throttled
from app.logs import request_id
from app.resources import Resources
from app.services.reporting import operations_report
from app.store.db import is_unavailable
from domain.access import Denied, check
from domain.errors import InvalidInput
from domain.permissions import PERMISSIONS
from domain.reporting import Bucket, Granularity, Report, check_locations, visible_locations

HEADER = (
    "start,orders,units,fill_rate,split_rate,short_pick_rate,cancelled_rate,sla_met_rate,"
    "median_pick_minutes,median_release_to_ready_minutes"
)
STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403}


class BadParameter(Exception):
    pass


def _time(params: dict[str, str], name: str) -> datetime:
    raw = params.get(name)
    if not raw:
        raise BadParameter(f"`{name}` is required (ISO 8601 with an offset, e.g. 2026-11-27T00:00:00Z)")
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise BadParameter(f"`{name}` is not an ISO 8601 time: {raw!r}") from None
    if parsed.utcoffset() is None:
        raise BadParameter(f"`{name}` needs a UTC offset, e.g. {raw}Z")
    return parsed


def parameters(params: dict[str, str]) -> tuple[datetime, datetime, Granularity, list[str] | None, str | None]:
    """The query string as the GraphQL input's fields; BadParameter names the one that is wrong."""
    raw = params.get("granularity", "")
    if raw not in Granularity.__members__:
        raise BadParameter(f"`granularity` must be one of {', '.join(Granularity.__members__)}")
    ids = params.get("locationIds")
    location_ids = None if ids is None else [x.strip() for x in ids.split(",") if x.strip()]
    if ids is not None and not location_ids:
        raise BadParameter("`locationIds` is empty: leave it out for every store you may see")
    check_locations(location_ids)
    return _time(params, "from"), _time(params, "to"), Granularity[raw], location_ids, params.get("channel") or None


def _cell(value: float | None) -> str:
    return "" if value is None else repr(value)


def row(start: str, b: Bucket) -> str:
    cells = (b.fill_rate, b.split_rate, b.short_pick_rate, b.cancelled_rate, b.sla_met_rate)
    rates = ",".join(_cell(x) for x in cells)
    medians = f"{_cell(b.median_pick_minutes)},{_cell(b.median_release_to_ready_minutes)}"
    return f"{start},{b.orders},{b.units},{rates},{medians}\n"


def lines(found: Report) -> Iterator[str]:
    yield HEADER + "\n"
    for b in found.buckets:
        yield row(b.start.isoformat(), b)
    yield row("total", found.totals)


def endpoint(resources: Resources) -> Callable[[Request], Awaitable[Response]]:
    async def operations_csv(request: Request) -> Response:
        rid = request_id.get() or ""
        try:
            principal = await auth.authenticate(
                resources.db, request.headers.get("authorization"), resources.admin_token
            )
        except auth.InvalidToken as error:
            refusal = error_response(401, str(error), "UNAUTHENTICATED", rid)
            refusal.headers["www-authenticate"] = "Bearer"
            return refusal
        except Exception as error:
            if not is_unavailable(error):
                raise
            return error_response(503, "Temporarily unavailable: retry", "UNAVAILABLE", rid)
        client = request.client.host if request.client else "unknown"
        too_many = await throttled(resources, principal, client, rid)
        if too_many is not None:
            return too_many
        try:
            start, end, granularity, wanted, channel = parameters(dict(request.query_params))
            check(principal, PERMISSIONS["Query.operationsReport"], {"input": {"locationIds": wanted}})
            scope = visible_locations(principal.locations, wanted)
            found = await operations_report(
                resources.db, start=start, end=end, granularity=granularity, location_ids=scope, channel=channel
            )
        except Denied as error:
            return error_response(STATUS.get(error.code, 403), error.message, error.code, rid)
        except (BadParameter, InvalidInput) as error:
            return error_response(400, getattr(error, "message", str(error)), "BAD_REQUEST", rid)
        except Exception as error:
            if not is_unavailable(error):
                raise
            return error_response(503, "Temporarily unavailable: retry", "UNAVAILABLE", rid)
        filename = f"operations-{granularity.value.lower()}-{start.date()}-{end.date()}.csv"
        return StreamingResponse(
            lines(found),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{filename}"'},
        )

    return operations_csv
