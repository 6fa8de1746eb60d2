"""Wiring: settings -> resources and services (made by `app.server`) -> schema and GraphQL endpoint -> app.

The only module that imports both `app/` and `resolvers/`: the server is handed its GraphQL endpoint from
here, so the arrows below this package all point inward (resolvers -> app -> domain).
"""

from __future__ import annotations

import strawberry
from starlette.applications import Starlette

from app import auth, logs
from app.config import Settings
from app.metrics import Metrics
from app.resources import Resources
from app.server import GraphQLEndpoint, create_app
from resolvers.schema import create_schema
from resolvers.view import GraphQLView


def schema(metrics: Metrics | None = None, settings: Settings | None = None) -> strawberry.federation.Schema:
    """The federated schema; with `metrics`, its timings are recorded there."""
    return create_schema(metrics, settings)


def graphql_endpoint(settings: Settings) -> GraphQLEndpoint:
    """The `/graphql` endpoint factory the server calls once it has made its resources and metrics."""

    def endpoint(resources: Resources, metrics: Metrics) -> GraphQLView:
        return GraphQLView(schema(metrics, settings), resources, settings)

    return endpoint


def build_app(settings: Settings, *, run_migrations: bool = True) -> Starlette:
    """The whole application for these settings: middleware, routes, lifespan and GraphQL."""
    return create_app(settings, graphql_endpoint(settings), run_migrations=run_migrations)


def served_app(settings: Settings | None = None) -> Starlette:
    """What a server process runs: settings from the environment, logging configured, the admin token
    resolved; migrations are left to `oms migrate` / `oms serve`."""
    settings = settings or Settings.from_env()
    logs.configure(settings.log_level)
    return build_app(settings.with_(admin_token=auth.admin_token(settings)), run_migrations=False)
