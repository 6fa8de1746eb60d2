"""Prometheus metrics, one registry per app (tests build many apps)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from domain.reporting import Bucket

# The operations report's measures as `oms_report_<measure>{location_id}` (README, "Operations reporting").
REPORT_MEASURES = (
    "orders",
    "units",
    "fill_rate",
    "split_rate",
    "short_pick_rate",
    "cancelled_rate",
    "sla_met_rate",
    "median_pick_minutes",
    "median_release_to_ready_minutes",
)


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
        self.background_leader_since = Gauge(
            "oms_background_leader_since_seconds",
            "Unix time this replica took background leadership (0 while it follows): a change is a handover",
            registry=self.registry,
        )
        self.background_jobs = Counter(
            "oms_background_job_runs",
            "Background job runs on this replica by job and outcome (ok, failed); only the leader runs them",
            ["job", "outcome"],
            registry=self.registry,
        )
        self.http_requests = Counter(
            "oms_http_requests", "HTTP requests by path and status", ["path", "status"], registry=self.registry
        )
        self.report = {
            name: Gauge(
                f"oms_report_{name}",
                f"Operations report {name.replace('_', ' ')} per store, store orders placed in the last 24 hours",
                ["location_id"],
                registry=self.registry,
            )
            for name in REPORT_MEASURES
        }

    def set_report(self, by_location: Mapping[str, Bucket]) -> None:
        """One series per store with orders in the window (labels bounded by the network); a median with no
        value yet has no series."""
        for gauge in self.report.values():
            gauge.clear()
        for location_id, bucket in by_location.items():
            for name, gauge in self.report.items():
                value = getattr(bucket, name)
                if value is not None:
                    gauge.labels(location_id).set(value)
