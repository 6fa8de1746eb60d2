"""Tracing of GraphQL work: an OpenTelemetry span per operation and per dataloader batch, and Apollo's
federated inline trace (ftv1) when the gateway asks for it.

The OpenTelemetry pieces exist only when tracing is on (`app.tracing.tracer()` is not None): the schema
gets no extension and loaders keep their bare batch functions otherwise.

ftv1 is Strawberry's `ApolloFederationTracingExtension` (a node per resolver-backed field, timed; plain
attributes resolved by the default resolver are not nodes, as in Strawberry's own extension). It needs
resolver middleware, which the planned engine does not run: an operation that asks for ftv1 runs through
graphql-core's executor (`OMS_EXECUTOR=reference`'s path, which answers identically); every other operation
stays on the plans. Error messages in a trace are masked, as Apollo Server does by default.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any, TypeVar

from graphql import GraphQLResolveInfo
from strawberry.extensions import SchemaExtension
from strawberry.extensions.tracing.apollo_federation import (
    FTV1_HEADER,
    FTV1_HEADER_VALUE,
    ApolloFederationTracingExtension,
    _SimpleError,
)

from app import tracing

K = TypeVar("K")
V = TypeVar("V")
MASKED = "<masked>"


class OperationSpan(SchemaExtension):
    """A span per GraphQL operation, named `<type> <name>` (OpenTelemetry's GraphQL conventions), the
    parent of its dataloader batches and SQL statements; ERROR when the result carries errors."""

    def __init__(self) -> None:
        self._span: Any = None

    def on_operation(self) -> Iterator[None]:
        from opentelemetry import context, trace

        tracer = tracing.tracer()
        if tracer is None:
            yield
            return
        span = self._span = tracer.start_span("GraphQL Operation")
        token = context.attach(trace.set_span_in_context(span))
        try:
            yield
        finally:
            result = self.execution_context.result
            errors = getattr(result, "errors", None) if result is not None else None
            if errors:
                span.set_attribute("graphql.errors", len(errors))
                span.set_status(tracing.error_status(RuntimeError(f"{len(errors)} GraphQL error(s)")))
            context.detach(token)
            span.end()

    def on_execute(self) -> Iterator[None]:
        span = self._span
        if span is not None:  # parsed and validated by now: the operation's type is known
            ctx = self.execution_context
            kind = ctx.operation_type.value
            name = ctx.operation_name
            span.update_name(f"{kind} {name}" if name else kind)
            span.set_attribute("graphql.operation.type", kind)
            if name:
                span.set_attribute("graphql.operation.name", name)
        yield


def traced_batch(name: str, batch: Callable[[Sequence[K]], Awaitable[list[V]]]) -> Any:
    """`batch` as it is when tracing is off; else each call (one dataloader batch) in a span of its own."""
    tracer = tracing.tracer()
    if tracer is None:
        return batch

    async def spanned(keys: Sequence[K]) -> list[V]:
        attributes = {"graphql.dataloader.name": name, "graphql.dataloader.batch_size": len(keys)}
        with tracer.start_as_current_span(f"dataloader {name}", attributes=attributes):
            return await batch(keys)

    return spanned


class FederatedTrace(ApolloFederationTracingExtension):
    """Strawberry's ftv1 extension, switched on per request by the gateway's header (HTTP only) and with
    error messages masked in the trace."""

    def wanted(self) -> bool:
        request = getattr(self.execution_context.context, "request", None)
        if request is None or request.scope.get("type") != "http":
            return False
        return str(request.headers.get(FTV1_HEADER, "")).lower() == FTV1_HEADER_VALUE

    def _check_should_trace(self) -> bool:
        return self.wanted()

    def _make_error(self, e: Exception, info: GraphQLResolveInfo[Any]) -> _SimpleError:
        error = super()._make_error(e, info)
        detail = json.loads(error.json_error)
        detail["message"] = MASKED
        return _SimpleError(MASKED, error.location_line, error.location_column, json.dumps(detail))


def resolving_extensions(extensions: Sequence[SchemaExtension]) -> list[SchemaExtension]:
    """The extensions that must wrap resolvers in this request: ftv1 when asked for, nothing otherwise."""
    return [e for e in extensions if e._implements_resolve() and (not isinstance(e, FederatedTrace) or e.wanted())]
