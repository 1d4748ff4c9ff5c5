"""A private bulkqr deployment for one fault scenario: its own queues, database and bucket,
optionally its own RabbitMQ or FerretDB to restart, and processes the test can kill."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from shared.s3 import ObjectStore
from shared.settings import Settings
from shared.store import open_client
from shared.store.layout import drop_databases
from tests.processes import (
    Process,
    delete_topology,
    free_port,
    start_gateway,
    start_worker,
    stop_all,
)


@dataclass
class Cluster:
    settings: Settings
    name: str
    gateway: Process | None = None
    workers: list[Process] = field(default_factory=list)
    private_servers: bool = False  # data lives on servers of the scenario's own

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.http_port}"

    def start_gateway(self) -> Process:
        self.gateway = start_gateway(self.settings, f"{self.name}-gateway")
        return self.gateway

    def start_worker(self, **overrides: Any) -> Process:
        settings = self.settings.model_copy(update=overrides)
        worker = start_worker(settings, f"{self.name}-worker-{len(self.workers)}")
        self.workers.append(worker)
        return worker

    def stop(self) -> None:
        stop_all([p for p in [self.gateway, *self.workers] if p is not None])

    async def remove_data(self) -> None:
        """Drop everything the scenario stored on the servers."""
        client = open_client(self.settings)
        try:
            await drop_databases(client[self.settings.mongo_db])
        finally:
            await client.close()
        async with ObjectStore(self.settings) as store:
            await store.delete_prefix("")
        await delete_topology(self.settings)


def new_cluster(base: Settings, scenario: str, **overrides: Any) -> Cluster:
    tag = f"{scenario}-{uuid.uuid4().hex[:6]}"
    port = free_port()
    settings = base.model_copy(update={
        "mongo_db": f"fault_{tag.replace('-', '_')}", "queue_prefix": f"fault-{tag}",
        "s3_bucket": f"fault-{tag}", "http_port": port,
        "public_url": f"http://127.0.0.1:{port}", **overrides,
    })
    private = bool(overrides.keys() & {"mongo_url", "amqp_url"})
    return Cluster(settings, tag, private_servers=private)
