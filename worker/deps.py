"""What every message handler of the worker needs, built once in run()."""

from __future__ import annotations

from dataclasses import dataclass

from shared.amqp import Topology
from shared.mongo import Database
from shared.pipeline import Renderer
from shared.s3 import ObjectStore
from shared.settings import Settings
from worker.metrics import WorkerMetrics


@dataclass(frozen=True)
class Deps:
    settings: Settings
    db: Database
    store: ObjectStore
    topology: Topology
    renderer: Renderer
    metrics: WorkerMetrics
