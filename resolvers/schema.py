"""The federated schema: every area's queries, mutations and subscriptions."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError, OperationDefinitionNode, parse
from graphql.execution.middleware import MiddlewareManager
from strawberry.extensions import SchemaExtension, ValidationCache
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

import engine
from app import tracing
from app.config import Settings
from app.metrics import Metrics
from resolvers import access
from resolvers.availability import AvailabilityQuery, AvailabilitySubscription, Product
from resolvers.closing import ClosingMutation
from resolvers.errors import PublicError
from resolvers.extensions import ExtensionsRunner, SafeErrors, SafeParserCache, is_public, metrics_extension
from resolvers.holds import HoldMutation, HoldQuery
from resolvers.inventory import InventoryMutation
from resolvers.lab import LabMutation, LabQuery
from resolvers.limits import limit_extensions
from resolvers.network import Location, NetworkMutation, NetworkQuery
from resolvers.options import OptionsQuery
from resolvers.orders import Customer, Order, OrderMutation, OrderQuery, OrderSubscription
from resolvers.picking import PickingMutation, PickingQuery
from resolvers.postal import PostalMutation
from resolvers.preorders import PreordersQuery
from resolvers.profiles import ProfilesMutation, ProfilesQuery
from resolvers.recommendations import RecommendationsMutation, RecommendationsQuery
from resolvers.reporting import ReportingQuery
from resolvers.rules import RulesMutation, RulesQuery
from resolvers.scalars import AwareDateTime
from resolvers.slot_policies import SlotPoliciesMutation
from resolvers.tasks import TasksMutation, TasksQuery, TasksSubscription
from resolvers.tracing import FederatedTrace, OperationSpan, resolving_extensions
from resolvers.transfers import TransfersMutation
from resolvers.viewer import ViewerQuery
from resolvers.webhooks import WebhooksMutation, WebhooksQuery

log = logging.getLogger("oms.graphql")


@strawberry.type
class Query(
    NetworkQuery,
    HoldQuery,
    AvailabilityQuery,
    RulesQuery,
    OrderQuery,
    ProfilesQuery,
    OptionsQuery,
    RecommendationsQuery,
    WebhooksQuery,
    TasksQuery,
    PickingQuery,
    ViewerQuery,
    PreordersQuery,
    ReportingQuery,
    LabQuery,
):
    pass


@strawberry.type
class Mutation(
    NetworkMutation,
    ClosingMutation,
    TransfersMutation,
    HoldMutation,
    InventoryMutation,
    RulesMutation,
    OrderMutation,
    ProfilesMutation,
    RecommendationsMutation,
    WebhooksMutation,
    TasksMutation,
    PickingMutation,
    SlotPoliciesMutation,
    PostalMutation,
    LabMutation,
):
    pass


@strawberry.type
class Subscription(AvailabilitySubscription, OrderSubscription, TasksSubscription):
    pass


class OmsSchema(strawberry.federation.Schema):
    planned = True  # OMS_EXECUTOR: engine/'s plans, or graphql-core's executor as the reference

    def _get_execute_function(self) -> Callable[..., Any]:
        """Queries and mutations run through engine/ (plans built once per document) unless `reference`;
        an operation whose resolvers are wrapped (ftv1 asked for) runs through graphql-core."""
        reference = super()._get_execute_function()
        if not self.planned:
            return reference

        def execute(*args: Any, middleware: MiddlewareManager | None = None, **kwargs: Any) -> Any:
            run: Callable[..., Any] = reference if middleware is not None and middleware.middlewares else engine.execute
            return run(*args, **kwargs, middleware=middleware)

        return execute

    def _get_middleware_manager(self, extensions: list[SchemaExtension]) -> MiddlewareManager:
        return MiddlewareManager(*resolving_extensions(extensions))

    async def execute(  # noqa: PLR0917 - Strawberry's signature
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """Variables that are not an object are the caller's fault: BAD_REQUEST (graphql-core would crash)."""
        if variable_values is not None and not isinstance(variable_values, Mapping):
            error = PublicError("Variables must be an object (a map of variable names to values)", "BAD_REQUEST")
            return PreExecutionError(data=None, errors=[error])
        if operation_name is None and query and _operation_count(query) > 1:
            # Strawberry would take the first operation's name; the specification refuses the request
            error = PublicError("Must provide operation name if query contains multiple operations.", "BAD_REQUEST")
            return PreExecutionError(data=None, errors=[error])
        return await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed_operation_types,
            operation_extensions,
        )

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return ExtensionsRunner(execution_context, extensions)

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Log internal faults with their stack; public errors are the client's business."""
        for error in errors:
            if not is_public(error):
                log.error("internal error at %s", error.path, exc_info=error.original_error)


@functools.lru_cache(maxsize=1024)
def _operation_count(query: str) -> int:
    """Operations in a document (0 when it does not parse: the parser's own error follows)."""
    try:
        document = parse(query)
    except GraphQLError:
        return 0
    return sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)


def create_schema(metrics: Metrics | None = None, settings: Settings | None = None) -> strawberry.federation.Schema:
    settings = settings or Settings()
    production = settings.production
    extensions: list[Any] = [
        lambda: SafeErrors(hide_suggestions=production),
        *limit_extensions(settings),
        lambda: SafeParserCache(maxsize=1024),
        lambda: ValidationCache(maxsize=1024),
        FederatedTrace,
    ]
    if tracing.tracer() is not None:
        extensions.insert(0, OperationSpan)  # outermost: its span is the parent of all the operation's work
    if metrics is not None:
        extensions.append(metrics_extension(metrics))
    schema = OmsSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Product, Location, Order, Customer],
        extensions=extensions,
        federation_version="2.9",
        config=StrawberryConfig(scalar_map={datetime: AwareDateTime}),
    )
    schema.planned = settings.executor == "planned"
    if schema.planned:  # subscriptions too: each event's selection runs from the plan
        schema.execution_context_class = engine.planned_events(schema.execution_context_class)
    access.protect(schema._schema)  # default deny: every root field answers to the permission matrix
    return schema
