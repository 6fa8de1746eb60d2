"""The hand-built floor: the storefront's three answers written by hand, on our own server stack.

    uvicorn bench.handbuilt:app   (as `uvicorn oms.asgi:app`, plus three routes)

The app is exactly `oms.asgi`'s (the same `served_app`, settings, middleware,
lifespan, `/graphql`), with three bench-only routes added before serving:

- `POST /handbuilt/pdp`  the PDP's `availability(skus:)` with the full per-location breakdown;
- `POST /handbuilt/plp`  the PLP's `_entities` of `Product`s with `availability` (available locations only);
- `POST /handbuilt/cart` the cart's `fulfillmentOptions`, shipped to New York.

Each takes the very body the GraphQL request sends (its `query` is ignored;
the literals in it are fixed here, as a hand-written endpoint would have
them), goes through the same gate (router secret, body cap, authentication,
rate limit), checks the same permission entry, makes the same store calls
through the same loaders and services the resolvers use (so the same SQL),
builds the response's dicts directly with the same keys in the same order,
and serialises them with the GraphQL view's own `encode_json`. What is left
out is GraphQL itself: parsing, validation, execution, result completion.
The suite checks each answer equal to the GraphQL one before measuring.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from app.config import Settings
from app.logs import request_id
from app.resources import Resources
from app.server import RequestContext
from app.services import options as service
from app.services.availability import AvailabilityKey
from domain import sourcing
from domain.access import Denied, Principal, check
from domain.atp import SkuAvailability
from domain.errors import DomainError
from domain.locations import Geo
from domain.permissions import PERMISSIONS
from oms.compose import served_app
from resolvers.availability import MAX_SKUS
from resolvers.loaders import make_loaders

CHANNEL, MARKET = "web", "US"
HOME = Geo(40.7, -74.0)  # the cart query's destination literal

Data = dict[str, Any]
Handler = Callable[[Resources, Principal, dict[str, Any]], Awaitable[Data]]


class Refused(Exception):
    """What GraphQL would answer with an error (bad input, not allowed): sent as `errors`, status 200."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _allowed(principal: Principal, operation: str, args: dict[str, Any]) -> None:
    try:
        check(principal, PERMISSIONS.get(operation), args)
    except Denied as error:
        raise Refused(error.message, error.code) from None


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)  # GraphQL's Float serialises ints as floats


# --- PDP: availability(skus: $skus, channel: "web", market: "US") ----------------------------------------------


async def pdp(resources: Resources, principal: Principal, variables: dict[str, Any]) -> Data:
    skus: list[str] = variables["skus"]
    _allowed(principal, "Query.availability", {"skus": skus, "channel": CHANNEL, "market": MARKET})
    if len(skus) > MAX_SKUS:
        raise Refused(f"At most {MAX_SKUS} skus per request", "BAD_REQUEST")
    keys = [AvailabilityKey(sku, CHANNEL, MARKET) for sku in dict.fromkeys(skus)]
    found = await make_loaders(resources).availability.load_many(keys)
    by_sku = {f.sku: f for f in found}
    return {"availability": [_full(by_sku[sku]) for sku in skus]}


def _full(found: SkuAvailability) -> Data:
    return {
        "sku": found.sku,
        "channel": found.channel,
        "market": found.market,
        "atp": found.atp,
        "onHand": found.on_hand,
        "reserved": found.reserved,
        "inbound": found.inbound,
        "locations": [
            {
                "location": {"id": x.location.id, "name": x.location.name, "type": x.location.type.name},
                "atp": x.atp,
                "onHand": x.on_hand,
                "reserved": x.reserved,
                "held": x.held,
                "inbound": x.inbound,
                "appliedRules": list(x.applied_rules),
            }
            for x in found.locations
        ],
    }


# --- PLP: _entities(representations: $reps) { ... on Product { sku availability(...) {...} } } -----------------


async def plp(resources: Resources, principal: Principal, variables: dict[str, Any]) -> Data:
    reps: list[dict[str, Any]] = variables["reps"]
    _allowed(principal, "Query._entities", {"representations": reps})
    skus = [r["sku"] for r in reps]
    loader = make_loaders(resources).availability
    found = await loader.load_many([AvailabilityKey(sku, CHANNEL, MARKET) for sku in skus])
    return {"_entities": [{"sku": sku, "availability": _page(f)} for sku, f in zip(skus, found, strict=True)]}


def _page(found: SkuAvailability) -> Data:
    return {
        "sku": found.sku,
        "atp": found.atp,
        "onHand": found.on_hand,
        "reserved": found.reserved,
        "inbound": found.inbound,
        "locations": [{"location": {"id": x.location.id}, "atp": x.atp} for x in found.locations if x.atp > 0],
    }


# --- cart: fulfillmentOptions(input: {channel, market, lines: $lines, destination: New York}) -----------------


async def cart(resources: Resources, principal: Principal, variables: dict[str, Any]) -> Data:
    lines = [sourcing.Line(x["sku"], x["quantity"]) for x in variables["lines"]]
    _allowed(principal, "Query.fulfillmentOptions", {"input": {"channel": CHANNEL, "market": MARKET}})
    question = service.CartQuestion(CHANNEL, MARKET, tuple(lines), HOME)
    try:
        found = await service.fulfillment_options(resources, question)
    except DomainError as error:
        raise Refused(error.message, "BAD_REQUEST") from None
    ids = [o.location_id for o in found if o.location_id]
    places = dict(zip(ids, await make_loaders(resources).location.load_many(ids), strict=True))
    return {"fulfillmentOptions": [_option(o, places.get(o.location_id or "")) for o in found]}


def _option(option: service.Option, place: Any) -> Data:
    plan = option.plan
    return {
        "method": option.method.name,
        "available": option.available,
        "splitCount": option.split_count,
        "etaHours": _float(option.eta_hours),
        "readyBy": option.ready_by.isoformat() if option.ready_by else None,
        "location": {"id": place.id} if place is not None else None,
        "plan": {
            "shipments": plan.shipments,
            "estimatedCost": float(plan.estimated_cost),
            "allocations": [{"sku": a.sku, "quantity": a.quantity} for a in plan.allocations],
            "unallocated": [{"sku": u.sku, "quantity": u.quantity} for u in plan.unallocated],
        },
    }


# --- the endpoint and the app ----------------------------------------------------------------------------------

ROUTES: dict[str, Handler] = {"pdp": pdp, "plp": plp, "cart": cart}


class Endpoint:
    """One hand-built route: the gate, the body's variables, the handler, the view's JSON encoder."""

    def __init__(self, outer: RequestContext, view: Any, handler: Handler) -> None:
        self.gate, self.resources, self.handler = outer.gate, outer.resources, handler
        self.encode: Callable[[object], str | bytes] = view.encode_json
        self.decode: Callable[[bytes], Any] = view.decode_json

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        rid = request_id.get() or uuid.uuid4().hex
        refusal, receive = await self.gate.admit(scope, receive, headers, rid)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        variables = dict(self.decode(await _body(receive)).get("variables") or {})
        try:
            answer: dict[str, Any] = {"data": await self.handler(self.resources, scope["oms.principal"], variables)}
        except Refused as error:
            answer = {"data": None, "errors": [{"message": str(error), "extensions": {"code": error.code}}]}
        await Response(self.encode(answer), status_code=200, media_type="application/json")(scope, receive, send)


async def _body(receive: Receive) -> bytes:
    """The body the gate read and replays (one message)."""
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def mount(outer: RequestContext) -> RequestContext:
    """Add the hand-built routes to an app made by `create_app` (its middleware and lifespan untouched)."""
    inner: Starlette = outer.app
    view = next(r.endpoint for r in inner.router.routes if isinstance(r, Route) and r.path == "/graphql")
    for name, handler in ROUTES.items():
        endpoint = Endpoint(outer, view, handler)
        inner.router.routes.insert(0, Route(f"/handbuilt/{name}", endpoint, methods=["POST"]))
    return outer


def build(settings: Settings | None = None) -> RequestContext:
    """What `oms.asgi` builds, plus the hand-built routes."""
    return mount(served_app(settings))  # type: ignore[arg-type]  # create_app's RequestContext, typed as Starlette


def __getattr__(name: str) -> Any:
    """`bench.handbuilt:app` is built on first access, so importing this module (tests, mypy) builds nothing."""
    if name == "app":
        globals()["app"] = built = build()
        return built
    raise AttributeError(name)
