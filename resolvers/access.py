"""Enforcing the permission matrix on every root field, and row-level checks for resolvers.

`protect(schema)` wraps the resolver (and, for subscriptions, the subscribe
function) of every Query, Mutation and Subscription field with its rule from
`domain.permissions.PERMISSIONS`: a field without a rule is refused to all.
Only root fields are wrapped, so nested fields cost nothing extra.

For rows reached otherwise (lists, nested fields, entities, events) resolvers
use the helpers on `Context` (`principal.narrow`, `location_filter`),
`may_see` and `visible_order` below.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema, default_field_resolver

from app.gate import rate_key
from app.ratelimit import retry_after
from app.services import owners, tokens
from domain.access import Denied, Owner, Rule, check, may_see, values_at
from domain.orders import Order
from domain.permissions import PERMISSIONS
from resolvers.context import Context
from resolvers.errors import PublicError
from resolvers.limits import subscription_cost_check

log = logging.getLogger("oms.access")

OwnerLookup = Callable[[Context, str], Awaitable[Owner | None]]


async def _order_owner(context: Context, order_id: str) -> Owner | None:
    order = await context.loaders.order.load(order_id)
    if order is None:
        return None
    return owners.of_order(order, await context.loaders.fulfillments.load(order_id))


async def _fulfillment_owner(context: Context, fulfillment_id: str) -> Owner | None:
    return await owners.of_fulfillment(context.resources.db, fulfillment_id)


async def _task_owner(context: Context, task_id: str) -> Owner | None:
    return await owners.of_task(context.resources.db, task_id)


async def _pick_list_owner(context: Context, list_id: str) -> Owner | None:
    return await owners.of_pick_list(context.resources.db, list_id)


# Kinds usable as `allow(..., kind="argument path")` in the matrix; add a kind with one line.
OWNERS: dict[str, OwnerLookup] = {
    "order": _order_owner,
    "fulfillment": _fulfillment_owner,
    "task": _task_owner,
    "pick_list": _pick_list_owner,
}


def denied(error: Denied, context: Context | None = None, operation: str | None = None) -> PublicError:
    """The client's error; refusals of known callers are logged (who tried what) for audits."""
    if context is not None and not context.principal.anonymous:
        log.info(
            "access denied",
            extra={"operation": operation, "subject": context.principal.subject, "code": error.code},
        )
    return PublicError(error.message, error.code)


async def check_owners(context: Context, rule: Rule, args: Mapping[str, Any]) -> None:
    """Each row an argument names must be visible; an unknown id is refused alike (no existence leak)."""
    principal = context.principal
    if principal.locations is None and principal.channels is None:
        return
    for kind, path in rule.owners:
        for row_id in values_at(args, path):
            owner = await OWNERS[kind](context, row_id)
            if owner is None or not may_see(principal, owner):
                raise PublicError(f"Not allowed to act on this {kind}", "FORBIDDEN")


async def authorize(context: Context, operation: str, args: Mapping[str, Any]) -> None:
    """The full check of one operation: role, scope, location and channel arguments, owned rows."""
    rule = PERMISSIONS.get(operation)
    try:
        check(context.principal, rule, args)
    except Denied as error:
        raise denied(error) from None
    if rule is not None and rule.owners:
        await check_owners(context, rule, args)


async def visible_order(context: Context, order: Order | None) -> Order | None:
    """The order if this principal may see it (one of its fulfillments is ours, in our channel), else None."""
    if order is None:
        return None
    principal = context.principal
    if principal.locations is None and principal.channels is None:
        return order
    fulfillments = await context.loaders.fulfillments.load(order.id)
    return order if may_see(principal, owners.of_order(order, fulfillments)) else None


async def require_visible_order(context: Context, order_id: str) -> None:
    """Whoever may call order(id) and sees this order; bound callers are refused unknown ids alike."""
    await authorize(context, "Query.order", {"id": order_id})
    principal = context.principal
    if principal.locations is None and principal.channels is None:
        return
    if await visible_order(context, await context.loaders.order.load(order_id)) is None:
        raise PublicError("Not allowed to read this order", "FORBIDDEN")


async def hidden_locations(context: Context, order_id: str, *, fresh: bool = False) -> frozenset[str] | None:
    """Locations of an order's fulfillments this caller may not see, or None when the whole order is hidden.

    `fresh` for subscription events: fulfillments move (re-sourcing) during a long connection.
    """
    loaders = context.fresh_loaders() if fresh else context.loaders
    order = await loaders.order.load(order_id)
    if order is None:
        return None
    fulfillments = await loaders.fulfillments.load(order_id)
    principal = context.principal
    if not may_see(principal, owners.of_order(order, fulfillments)):
        return None
    return frozenset(f.location_id for f in fulfillments if not principal.sees_location(f.location_id))


def protect(schema: GraphQLSchema) -> None:
    """Wrap every root field with its permission rule (default deny)."""
    for kind, root in (
        ("Query", schema.query_type),
        ("Mutation", schema.mutation_type),
        ("Subscription", schema.subscription_type),
    ):
        if root is not None:
            _protect_type(kind, root)


def operations(schema: GraphQLSchema) -> list[str]:
    """Every "Kind.field" the schema exposes at its roots."""
    found: list[str] = []
    for kind, root in (
        ("Query", schema.query_type),
        ("Mutation", schema.mutation_type),
        ("Subscription", schema.subscription_type),
    ):
        if isinstance(root, GraphQLObjectType):
            found.extend(f"{kind}.{name}" for name in root.fields)
    return found


def _protect_type(kind: str, root: GraphQLObjectType) -> None:
    for name, field in root.fields.items():
        operation = f"{kind}.{name}"
        if getattr(field, "_oms_protected", False):
            continue
        if kind == "Subscription":
            field.subscribe = _guard_stream(operation, field.subscribe)
        else:
            field.resolve = _guard(operation, field.resolve)
        field._oms_protected = True  # type: ignore[attr-defined]


def _guard(operation: str, inner: Callable[..., Any] | None) -> Callable[..., Any]:
    rule = PERMISSIONS.get(operation)

    def guarded(root: Any, info: Any, **args: Any) -> Any:
        context: Context = info.context
        try:
            check(context.principal, rule, args)
        except Denied as error:
            raise denied(error, context, operation) from None
        owned = rule is not None and rule.owners and (context.principal.location_bound or context.principal.channels)
        limited = context.over_websocket and context.resources.limiter is not None
        if owned or limited:
            return _checked(context, rule if owned else None, args, lambda: _call(inner, root, info, args))
        return _call(inner, root, info, args)

    return guarded


TOKEN_RECHECK_SECONDS = 10.0  # a revoked or expired token stops its open subscriptions within this


def _guard_stream(operation: str, inner: Callable[..., Any] | None) -> Callable[..., Any]:
    """Subscriptions are checked as their stream starts, so a refusal reaches the client as a `next` with
    errors (then `complete`), as graphql-ws clients and gateways expect, not as a protocol `error` frame."""
    plain = _guard(operation, inner)

    async def guarded(root: Any, info: Any, **args: Any) -> AsyncIterator[Any]:
        context: Context = info.context
        stream = plain(root, info, **args)
        if inspect.isawaitable(stream):
            stream = await stream
        subscription_cost_check(info, context.principal.anonymous, context.resources.settings)
        checked_at = time.monotonic()
        async for item in stream:
            if time.monotonic() - checked_at >= TOKEN_RECHECK_SECONDS:  # at most one read per interval
                if not await tokens.still_usable(context.resources.db, context.principal):
                    raise PublicError("The token was revoked or expired", "UNAUTHENTICATED")
                checked_at = time.monotonic()
            yield item

    return guarded


async def _checked(context: Context, rule: Rule | None, args: Mapping[str, Any], call: Callable[[], Any]) -> Any:
    """The guard's asynchronous part: the rate limit on WebSockets, then the rows the arguments name."""
    limiter = context.resources.limiter
    if context.over_websocket and limiter is not None:
        client = getattr(context.request, "client", None)
        wait = await limiter.take(rate_key(context.principal, client.host if client else "unknown"))
        if wait > 0:
            error = PublicError("Rate limit exceeded", "THROTTLED")
            error.extensions["retryAfter"] = retry_after(wait)  # type: ignore[index]
            raise error
    if rule is not None:
        await check_owners(context, rule, args)
    result = call()
    return await result if inspect.isawaitable(result) else result


def _call(inner: Callable[..., Any] | None, root: Any, info: Any, args: Mapping[str, Any]) -> Any:
    if inner is None:  # graphql-core's default: the attribute of the root value
        return default_field_resolver(root, info, **args)
    return inner(root, info, **args)
