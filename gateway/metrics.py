"""Prometheus metrics of one gateway process, in a registry of its own."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


class GatewayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("bulkqr_http_requests_total", "HTTP requests by route and status",
                                ["route", "method", "status"], registry=self.registry)
        self.latency = Histogram(
            "bulkqr_http_request_duration_seconds", "HTTP request latency by route",
            ["route"], registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.submissions = Counter("bulkqr_bulk_submissions_total", "Bulk batches accepted",
                                   ["endpoint"], registry=self.registry)
        self.rows_accepted = Counter("bulkqr_rows_accepted_total", "Rows in accepted batches",
                                     registry=self.registry)
        self.redirects = Counter("bulkqr_redirects_total", "Short-link answers by outcome",
                                 ["outcome"], registry=self.registry)
