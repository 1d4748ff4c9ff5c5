"""Now and then, refresh the `bulkqr_rows_pending` gauge (the backlog the queue no longer
shows) and the count of the work queue's consumers (which sizes the automatic window)."""

from __future__ import annotations

import asyncio

import structlog

from shared.progress import pending_rows
from worker.deps import Deps

log = structlog.get_logger(__name__)


async def refresh_pending(deps: Deps) -> None:
    """Every `pending_refresh_s`, read the running batches (a small collection, at most
    `pending_max_batches` of them) and their progress; runs until cancelled."""
    settings = deps.settings
    while True:
        try:
            deps.fleet.consumers = (await deps.topology.chunks.declare()).consumer_count or 0
            deps.metrics.rows_pending.set(await pending_rows(deps.db,
                                                             settings.pending_max_batches))
        except Exception as exc:  # noqa: BLE001 - a stale gauge is better than a dead worker
            log.warning("pending rows not refreshed", error=repr(exc))
        await asyncio.sleep(settings.pending_refresh_s)
