"""Prometheus metrics, one registry per app (tests build many apps)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.requests = Counter(
            "oms_graphql_requests",
            "GraphQL operations by operation name and outcome",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "oms_graphql_request_duration_seconds",
            "GraphQL operation latency by operation name",
            ["operation"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
        )
        self.stalest_age = Gauge(
            "oms_inventory_stalest_position_age_seconds",
            "Seconds since the least recently synced position was synced, per velocity tier (top1, top10, rest)",
            ["tier"],
            registry=self.registry,
        )
        self.positions = Gauge(
            "oms_inventory_positions", "Inventory positions per velocity tier", ["tier"], registry=self.registry
        )
        self.checkout_holds = Gauge(
            "oms_checkout_holds",
            "Checkout holds by status, read at scrape time (an ACTIVE hold past its time counts as EXPIRED)",
            ["status"],
            registry=self.registry,
        )
        self.background_leader = Gauge(
            "oms_background_leader",
            "1 on the replica that runs background work (scheduler, relay, sweepers), 0 on the others",
            registry=self.registry,
        )
        self.http_requests = Counter(
            "oms_http_requests", "HTTP requests by path and status", ["path", "status"], registry=self.registry
        )
