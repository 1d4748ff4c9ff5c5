"""Refresh the `bulkqr_rows_pending` gauge now and then: the backlog the queue no longer shows."""

from __future__ import annotations

import asyncio

import structlog

from shared.mongo import Database
from shared.progress import pending_rows
from shared.settings import Settings
from worker.metrics import WorkerMetrics

log = structlog.get_logger(__name__)


async def refresh_pending(db: Database, settings: Settings, metrics: WorkerMetrics) -> None:
    """Every `pending_refresh_s`, read the running batches (a small collection, at most
    `pending_max_batches` of them) and their progress; runs until cancelled."""
    while True:
        try:
            metrics.rows_pending.set(await pending_rows(db, settings.pending_max_batches))
        except Exception as exc:  # noqa: BLE001 - a stale gauge is better than a dead worker
            log.warning("pending rows not refreshed", error=repr(exc))
        await asyncio.sleep(settings.pending_refresh_s)
