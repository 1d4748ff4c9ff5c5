"""Process one chunk: render its rows, store its archive fragment, record its completion."""

from __future__ import annotations

import orjson
import structlog

from shared.errors import Superseded
from shared.mongo import Doc, insert_unique, progress_collection
from shared.orders import find_order, now_ms
from shared.pipeline import ChunkContext, RowInput, process_rows
from shared.s3 import ObjectStore
from shared.schemas import WorkMessage, fragment, input_key, part_key
from shared.status import OrderStatus
from shared.subscriptions import get_subscription
from worker.assets import cached_lookup
from worker.delivery import CURRENT
from worker.deps import Deps
from worker.finish import cleanup, finish_if_last

log = structlog.get_logger(__name__)


async def load_rows(store: ObjectStore, bulk_id: str, chunk: int) -> list[RowInput]:
    stored = orjson.loads(await store.get(input_key(bulk_id, chunk)))
    first, dups = stored["first"], set(stored["dups"])
    return [RowInput(first + i, raw, first + i in dups) for i, raw in enumerate(stored["rows"])]


async def handle_chunk(deps: Deps, message: WorkMessage, *, redelivered: bool) -> None:
    """Idempotent: a redelivered or duplicated chunk finds its completion and skips ahead."""
    order = await find_order(deps.db, message.bulk_id)
    if order is None or order["status"] != OrderStatus.PROCESSING:
        log.info("chunk dropped", reason="order is not processing")
        if order is not None and redelivered:
            # This delivery may have completed the batch and failed while tidying up.
            await cleanup(deps, message.bulk_id)
        return
    progress = deps.db[progress_collection(message.bulk_id)]
    if await progress.find_one({"_id": f"done:{message.chunk}"}) is None:
        try:
            await render_chunk(deps, message, order, redelivered)
        except Superseded as exc:
            log.info("chunk dropped", reason=str(exc))
            await cleanup(deps, message.bulk_id)
            return
        if await finish_if_last(deps, order, takeover=CURRENT.get().redelivered):
            return
        # A duplicate of this chunk may have completed the batch while this one worked;
        # then what it just wrote recreated what the finisher had removed.
        latest = await find_order(deps.db, message.bulk_id)
        if latest is not None and latest["status"] != OrderStatus.PROCESSING:
            await cleanup(deps, message.bulk_id)
        return
    await finish_if_last(deps, order, takeover=CURRENT.get().redelivered)


async def render_chunk(deps: Deps, message: WorkMessage, order: Doc, redelivered: bool) -> None:
    """Render the chunk's rows, store its archive fragment and record it as done."""
    rows = await load_rows(deps.store, message.bulk_id, message.chunk)
    ctx = ChunkContext(
        deps.db, deps.settings, await get_subscription(deps.db, order["subscription"]),
        message.bulk_id, message.chunk, now_ms(), redelivered,
        verify=bool(order.get("verify")),
        assets=cached_lookup(deps.db, deps.store, order["subscription"]),
    )
    outcome = await process_rows(ctx, rows, deps.renderer)
    await deps.store.put(part_key(message.bulk_id, message.chunk),
                         fragment(outcome.entries), "text/plain")
    await record_done(deps, message, outcome.failed_features)
    for name, count in outcome.outcomes.items():
        deps.metrics.rows.labels(name).inc(count)
    # Bound, so they also land on the message's one canonical "message handled" line.
    structlog.contextvars.bind_contextvars(rows=len(rows), **outcome.outcomes)
    log.info("chunk rendered")


async def record_done(deps: Deps, message: WorkMessage, failed: dict[str, int]) -> None:
    """Chunk completion is a unique insert: a second delivery cannot count twice."""
    await insert_unique(deps.db[progress_collection(message.bulk_id)],
                        {"_id": f"done:{message.chunk}", "kind": "done", "failed": failed})
