"""Settings read once from the environment; nothing happens at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/oms.db"
EXECUTORS = ("planned", "reference")


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    admin_token: str | None = None
    admin_token_file: str = "./var/admin-token"
    demo_storefront_token: str | None = None  # the /demo page's public storefront token (oms serve --demo mints one)
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    env: str = "development"
    pubsub_prefix: str = "oms"
    scheduler_interval_seconds: float = 30.0
    db_pool_size: int = 10
    migrate_on_start: bool = False  # `uvicorn oms.asgi:app` migrates in its lifespan, retried until it can
    webhook_allow_private: bool = False
    webhook_timeout_seconds: float = 10.0
    webhook_retry_base_seconds: float = 2.0
    event_retention_days: float = 14.0  # outbox events and their deliveries, once settled; 0 keeps them forever
    ledger_retention_days: int = 90  # inventory ledger rows kept whole; older days folded to one row each; 0: never
    router_secret: str | None = None
    metrics_token: str | None = None  # when set, GET /metrics needs `Authorization: Bearer <it>`
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 10_000
    max_cost: int = 50_000
    max_cost_anonymous: int = 10_000
    max_body_bytes: int = 2 * 1024 * 1024
    rate_limit_per_minute: int = 1200
    rate_limit_burst: int = 200
    ws_allowed_origins: tuple[str, ...] = ()
    ws_max_subscriptions: int = 20
    ws_init_timeout_seconds: float = 10.0
    executor: str = "planned"  # "planned" (engine/, compiled plans) or "reference" (graphql-core's executor)
    otel_endpoint: str | None = None  # OTLP/HTTP collector: set, tracing is on (the SDK reads the OTEL_* variables)
    otel_service_name: str = "promise-oms"

    def __post_init__(self) -> None:
        if self.scheduler_interval_seconds <= 0:
            raise ValueError("OMS_SCHEDULER_INTERVAL_SECONDS must be above 0")
        if self.executor not in EXECUTORS:
            raise ValueError(f"OMS_EXECUTOR must be one of {', '.join(EXECUTORS)}")

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, key, cast in _ENV:
            raw = env.get(name)
            if raw is not None and raw != "":
                values[key] = cast(raw)
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)


_ENV: tuple[tuple[str, str, Any], ...] = (
    ("DATABASE_URL", "database_url", str),
    ("REDIS_URL", "redis_url", str),
    ("OMS_ADMIN_TOKEN", "admin_token", str),
    ("OMS_ADMIN_TOKEN_FILE", "admin_token_file", str),
    ("OMS_DEMO_STOREFRONT_TOKEN", "demo_storefront_token", str),
    ("OMS_HOST", "host", str),
    ("OMS_PORT", "port", int),
    ("OMS_LOG_LEVEL", "log_level", str.upper),
    ("OMS_ENV", "env", str.lower),
    ("OMS_PUBSUB_PREFIX", "pubsub_prefix", str),
    ("OMS_SCHEDULER_INTERVAL_SECONDS", "scheduler_interval_seconds", float),
    ("OMS_EVENT_RETENTION_DAYS", "event_retention_days", float),
    ("OMS_LEDGER_RETENTION_DAYS", "ledger_retention_days", int),
    ("OMS_DB_POOL_SIZE", "db_pool_size", int),
    ("OMS_MIGRATE_ON_START", "migrate_on_start", lambda raw: raw.lower() in ("1", "true", "yes")),
    ("OMS_WEBHOOK_ALLOW_PRIVATE", "webhook_allow_private", lambda raw: raw.lower() in ("1", "true", "yes")),
    ("OMS_WEBHOOK_TIMEOUT_SECONDS", "webhook_timeout_seconds", float),
    ("OMS_WEBHOOK_RETRY_BASE_SECONDS", "webhook_retry_base_seconds", float),
    ("OMS_ROUTER_SECRET", "router_secret", str),
    ("OMS_METRICS_TOKEN", "metrics_token", str),
    ("OMS_MAX_DEPTH", "max_depth", int),
    ("OMS_MAX_ALIASES", "max_aliases", int),
    ("OMS_MAX_TOKENS", "max_tokens", int),
    ("OMS_MAX_COST", "max_cost", int),
    ("OMS_MAX_COST_ANONYMOUS", "max_cost_anonymous", int),
    ("OMS_MAX_BODY_BYTES", "max_body_bytes", int),
    ("OMS_RATE_LIMIT_PER_MINUTE", "rate_limit_per_minute", int),
    ("OMS_RATE_LIMIT_BURST", "rate_limit_burst", int),
    ("OMS_WS_ALLOWED_ORIGINS", "ws_allowed_origins", lambda raw: tuple(o.strip() for o in raw.split(",") if o.strip())),
    ("OMS_WS_MAX_SUBSCRIPTIONS", "ws_max_subscriptions", int),
    ("OMS_WS_INIT_TIMEOUT_SECONDS", "ws_init_timeout_seconds", float),
    ("OMS_EXECUTOR", "executor", str.lower),
    ("OTEL_EXPORTER_OTLP_ENDPOINT", "otel_endpoint", str),
    ("OTEL_SERVICE_NAME", "otel_service_name", str),
)

# Documented in the README's configuration table (kept in step by a test).
ENV_VARS = tuple(name for name, _, _ in _ENV)
