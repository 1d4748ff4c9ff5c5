"""What every message handler of the worker needs, built once in run()."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.amqp import Topology
from shared.pipeline import Renderer
from shared.renderpool import RenderPool
from shared.s3 import ObjectStore
from shared.settings import Settings
from shared.store import Database
from worker.metrics import WorkerMetrics


@dataclass
class Fleet:
    """What this worker last saw of the work queue: how many consumers share it."""

    consumers: int = 0


@dataclass(frozen=True)
class Deps:
    settings: Settings
    db: Database
    store: ObjectStore
    topology: Topology
    renderer: Renderer
    pool: RenderPool  # the renderer's processes; also checks data URI logos
    metrics: WorkerMetrics
    fleet: Fleet = field(default_factory=Fleet)
