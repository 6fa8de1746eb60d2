"""Schema extensions: safe errors and per-operation metrics."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import MaskErrors, ParserCache, SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext

from app.logs import request_id
from app.metrics import Metrics
from app.store.db import is_unavailable
from resolvers.errors import PUBLIC_CODES, UNAVAILABLE_MESSAGE
from resolvers.limits import without_suggestions


def is_public(error: GraphQLError) -> bool:
    """Validation and parse errors, input that cannot be coerced (a variable that is no DateTime), and our
    coded public errors reach clients as they are; anything else a resolver raised is internal."""
    original = error.original_error
    if original is None:
        return True
    # graphql-core words every variable coercion failure "Variable '$name' ...", whatever raised it (a scalar's
    # GraphQLError or ValueError, a missing input field, a non-object for an input object)
    coercion = isinstance(original, StrawberryInputCoercionError) or error.message.startswith("Variable '$")
    if error.path is None and coercion:
        return True  # raised while coercing variables, before any resolver ran: the request's fault
    code = (getattr(original, "extensions", None) or {}).get("code")
    return isinstance(original, GraphQLError) and code in PUBLIC_CODES


def unavailable(error: GraphQLError) -> GraphQLError:
    """A lost or refused database connection (or one that timed out) is UNAVAILABLE, not INTERNAL: the client
    may retry with the same idempotency key. Only the code and the request id go out, never the driver's text."""
    if error.original_error is None or not is_unavailable(error.original_error):
        return error
    extensions = {"code": "UNAVAILABLE", "requestId": request_id.get()}
    return GraphQLError(UNAVAILABLE_MESSAGE, error.nodes, error.source, error.positions, error.path, None, extensions)


def with_request_code(error: GraphQLError) -> GraphQLError:
    """A malformed request's error (parse, validation, coercion: no path) carries BAD_REQUEST like ours."""
    if error.path is None and not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": "BAD_REQUEST"}
    return error


class SafeErrors(MaskErrors):
    """Everything else becomes INTERNAL with the request id; the detail goes to the log.

    A streamed result (a subscription event) is masked by `mask_stream_result`, which `ExtensionsRunner`
    calls directly: Strawberry's generic hook wraps the hook in a new context manager for every result,
    about a tenth of the server's CPU per subscription event."""

    on_stream_result = SchemaExtension.on_stream_result  # type: ignore[assignment]  # no generic hook per result

    def mask_stream_result(self, result: Any) -> None:
        """What MaskErrors' own stream hook does, before the result is yielded."""
        self._stream_result_processed = True
        self._process_stream_result(result)

    def __init__(self, *, hide_suggestions: bool = False) -> None:
        super().__init__(should_mask_error=lambda e: not is_public(e), error_message="Internal server error")
        self.hide_suggestions = hide_suggestions

    def _process_result(self, result: object) -> None:
        # As MaskErrors does, without its isinstance check against a runtime-checkable Protocol (which walks
        # the protocol's attributes on every call: ~10% of the server's CPU per subscription event).
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = [with_request_code(e) for e in super()._process_errors([unavailable(e) for e in errors])]
        return [without_suggestions(e) for e in processed] if self.hide_suggestions else processed

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        rid = request_id.get()
        return GraphQLError(
            message=self.error_message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL", "requestId": rid},
        )


class ExtensionsRunner(SchemaExtensionsRunner):
    """Strawberry's runner, with stream results masked by SafeErrors directly; other extensions' stream
    hooks (none today) still run through Strawberry's machinery."""

    def __init__(self, execution_context: ExecutionContext, extensions: list[SchemaExtension] | None = None) -> None:
        super().__init__(execution_context, extensions)
        self._masks = [e for e in self.extensions if isinstance(e, SafeErrors)]
        default = SchemaExtension.on_stream_result
        self._stream_hooks = any(type(e).on_stream_result is not default for e in self.extensions)

    def on_stream_result(self, result: Any) -> Any:
        for mask in self._masks:
            mask.mask_stream_result(result)
        return super().on_stream_result(result) if self._stream_hooks else _NO_HOOKS


_NO_HOOKS = contextlib.nullcontext()  # entered with `with` or `async with`, any number of times


class SafeParserCache(ParserCache):
    """Strawberry's parser cache, except that a syntax error is left for Strawberry's own parse to raise:
    raised here (in the parsing hook) it would skip every operation hook, `SafeErrors` included, and reach
    the client without its BAD_REQUEST code. Only documents that do not parse are parsed twice."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        with contextlib.suppress(GraphQLError):
            context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
        yield


def metrics_extension(metrics: Metrics) -> Callable[[], SchemaExtension]:
    class OperationMetrics(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            started = time.perf_counter()
            yield
            context = self.execution_context
            name = context.operation_name or "anonymous"
            result = context.result
            outcome = "error" if result is not None and getattr(result, "errors", None) else "ok"
            metrics.requests.labels(name, outcome).inc()
            metrics.latency.labels(name).observe(time.perf_counter() - started)

    return OperationMetrics
