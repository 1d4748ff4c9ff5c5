"""Prometheus metrics of one gateway process, in a registry of its own."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from shared.overlays import SKIPPED


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
        # The caches a stranger can fill (the redirect path's), named by `cache`: "links",
        # "missing_links" (codes not found) and "password_guesses".
        self.cache_entries = Gauge("bulkqr_cache_entries", "Entries held by a per-process cache",
                                   ["cache"], registry=self.registry)
        self.cache_bytes = Gauge("bulkqr_cache_bytes",
                                 "Estimated memory held by a per-process cache, in bytes",
                                 ["cache"], registry=self.registry)
        for cache in ("links", "missing_links", "password_guesses"):
            self.set_cache_size(cache, 0, 0)
        self.registry.register(SkippedOverlays())

    def set_cache_size(self, cache: str, entries: int, size_bytes: int) -> None:
        self.cache_entries.labels(cache).set(entries)
        self.cache_bytes.labels(cache).set(size_bytes)


class SkippedOverlays(Collector):
    """Bulk changes a code could not take and that reads skipped (shared/overlays.py)."""

    def collect(self) -> Iterator[CounterMetricFamily]:
        yield CounterMetricFamily("bulkqr_overlays_skipped",
                                  "Stored bulk link changes skipped for a code they do not fit",
                                  value=SKIPPED.count)
