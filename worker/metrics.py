"""Prometheus metrics of one worker process, served on its own port."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class WorkerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.rows = Counter("bulkqr_rows_rendered_total",
                            "Rows processed, by outcome (static, dynamic, failed_<code>)",
                            ["outcome"], registry=self.registry)
        self.chunk_duration = Histogram(
            "bulkqr_chunk_duration_seconds", "Time to process one chunk", registry=self.registry,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64),
        )
        self.messages = Counter("bulkqr_messages_total", "Messages handled by queue and action",
                                ["queue", "action"], registry=self.registry)
        self.redeliveries = Counter("bulkqr_redeliveries_total", "Messages seen again",
                                    registry=self.registry)
        self.dead_lettered = Counter("bulkqr_dead_lettered_chunks_total",
                                     "Chunks failed with 500 after the delivery limit",
                                     registry=self.registry)
        self.in_flight = Gauge("bulkqr_chunks_in_flight", "Messages being processed now",
                               registry=self.registry)
        self.rows_pending = Gauge("bulkqr_rows_pending",
                                  "Rows of running batches not finished yet (the real backlog; "
                                  "the queue holds only each batch's window)",
                                  registry=self.registry)
        self.archives = Counter("bulkqr_archives_total", "Archives assembled",
                                registry=self.registry)
        self.expired = Counter("bulkqr_store_expired_total",
                               "Ephemeral documents deleted past their expiresAt by this "
                               "worker's sweeper, by family", ["family"], registry=self.registry)

    def start_counting_expired(self, families: set[str]) -> None:
        """Give each swept family its series at 0, so a rate exists before a first deletion."""
        for family in sorted(families):
            self.expired.labels(family)

    def count_expired(self, family: str, documents: int) -> None:
        self.expired.labels(family).inc(documents)
