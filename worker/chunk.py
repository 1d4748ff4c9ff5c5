"""Process one chunk: render its rows, store its archive fragment, record its completion,
and move the batch's window on (or finish the batch)."""

from __future__ import annotations

import asyncio
import time
from functools import partial
from typing import Any

import orjson
import structlog

from shared.errors import Superseded
from shared.inputs import read_chunk
from shared.keys import claimer_of_chunk, part_key, rows_part_key, zip_part_key
from shared.orderdoc import Order
from shared.orders import now_ms
from shared.pipeline import ChunkContext, RowInput, process_rows
from shared.progress import Progress, read_progress
from shared.rowindex import rows_text
from shared.s3 import ObjectStore
from shared.schemas import WorkMessage, fragment
from shared.store.orders import find_order
from shared.store.progress import ChunkDone, insert_done
from shared.subscriptions import get_subscription
from shared.uploadcheck import check_in_pool
from worker.assets import cached_lookup
from worker.decide import Step, next_step
from worker.delivery import Delivery
from worker.deps import Deps
from worker.finish import cleanup, finish_if_last
from worker.window import advance
from worker.zippart import zip_part

log = structlog.get_logger(__name__)


async def load_rows(store: ObjectStore, order: Order, chunk: int) -> list[RowInput]:
    stored = orjson.loads(await read_chunk(store, order, chunk))
    first, dups = stored["first"], set(stored["dups"])
    return [RowInput(first + i, raw, first + i in dups) for i, raw in enumerate(stored["rows"])]


async def observe(deps: Deps, bulk_id: str) -> tuple[Order | None, Progress]:
    order = await find_order(deps.db, bulk_id)
    if order is None or not order.is_processing:
        return order, Progress()
    return order, await read_progress(deps.db, bulk_id)


async def handle_chunk(deps: Deps, message: WorkMessage, delivery: Delivery) -> None:
    """Idempotent: a redelivered or duplicated chunk finds its completion and moves on."""
    order, progress = await observe(deps, message.bulk_id)
    step = _step(order, progress, message, delivery.may_have_run)
    if step is Step.RENDER:
        assert order is not None
        try:
            await render_chunk(deps, message, order, delivery)
        except Superseded as exc:
            log.info("chunk dropped", reason=str(exc))
            step = Step.TIDY
        else:
            # Observed again: a duplicate of this chunk may have completed the batch while
            # this one worked (then what it wrote recreated what the finisher removed).
            order, progress = await observe(deps, message.bulk_id)
            step = _step(order, progress, message, may_have_run=True)
    await act(deps, step, order, progress, message, delivery)


def _step(order: Order | None, progress: Progress, message: WorkMessage,
          may_have_run: bool) -> Step:
    status = None if order is None else order.status
    return next_step(status, progress, message.chunk, message.chunks, may_have_run=may_have_run)


async def act(deps: Deps, step: Step, order: Order | None, progress: Progress,
              message: WorkMessage, delivery: Delivery) -> None:
    if step is Step.SKIP:
        log.info("chunk dropped", reason="order is not processing")
    elif step is Step.TIDY:
        await cleanup(deps, message.bulk_id)
    elif step is Step.ADVANCE:
        await advance(deps, message.bulk_id, claimer_of_chunk(message.chunk), delivery, progress)
    elif step is Step.FINISH:
        assert order is not None
        await finish_if_last(deps, order, delivery, takeover=delivery.redelivered)


async def render_chunk(deps: Deps, message: WorkMessage, order: Order, delivery: Delivery
                       ) -> None:
    """Render the chunk's rows, store its archive fragment and record it as done."""
    rows = await load_rows(deps.store, order, message.chunk)
    ctx = ChunkContext(
        deps.db, deps.settings, await get_subscription(deps.db, order.subscription),
        message.bulk_id, message.chunk, now_ms(), delivery.may_have_run,
        verify=order.verify,
        assets=cached_lookup(deps.db, deps.store, order.subscription),
        decode=partial(check_in_pool, deps.pool),
    )
    outcome = await process_rows(ctx, rows, deps.renderer)
    await store_part(deps, message, outcome.entries, rows)
    await record_done(deps, message, outcome.failed_features)
    for name, count in outcome.outcomes.items():
        deps.metrics.rows.labels(name).inc(count)
    # Bound, so they also land on the message's one canonical "message handled" line.
    structlog.contextvars.bind_contextvars(rows=len(rows), **outcome.outcomes)
    log.info("chunk rendered")


async def store_part(deps: Deps, message: WorkMessage, entries: list[Any],
                     rows: list[RowInput]) -> None:
    """The chunk's archive fragment, and beside it its rows' uids and labels and its ZIP
    part (made in a thread, about 10 µs a row, so the event loop keeps its heartbeats)."""
    await deps.store.put(rows_part_key(message.bulk_id, message.chunk),
                         rows_text((row.index, row.raw) for row in rows), "text/plain")
    part = await asyncio.to_thread(zip_part, entries, rows, time.time())
    await deps.store.put(zip_part_key(message.bulk_id, message.chunk), part,
                         "application/octet-stream")
    await deps.store.put(part_key(message.bulk_id, message.chunk), fragment(entries),
                         "text/plain")


async def record_done(deps: Deps, message: WorkMessage, failed: dict[str, int]) -> None:
    """Chunk completion is a unique insert: a second delivery cannot count twice."""
    await insert_done(deps.db, message.bulk_id, ChunkDone(message.chunk, message.rows, failed))
