"""Dead-lettered work: fail the chunk's rows with 500 so the batch still completes."""

from __future__ import annotations

import orjson
import structlog

from shared.keys import claimer_of_chunk
from shared.orderdoc import FEATURE_KEYS, Order
from shared.pipeline import RowInput, failure_entry, tally_failure
from shared.rows.plan import RowFailure, features_of
from shared.schemas import WorkMessage
from shared.store.orders import find_order
from shared.store.progress import is_done
from worker.chunk import load_rows, record_done, store_part
from worker.delivery import Delivery
from worker.deps import Deps
from worker.finish import finish_if_last
from worker.window import advance

log = structlog.get_logger(__name__)
# Said of rows whose chunk was given up: after its delivery limit, or at once when no
# delivery can succeed (an image format the ZIP does not know, worker/policy.py).
MESSAGE = "internal error: this row could not be processed"


async def handle_dead(deps: Deps, message: WorkMessage, delivery: Delivery) -> None:
    """A dead split fails every chunk; a dead chunk fails its own rows and moves the
    batch's window on, as its rendering would have (else the batch never finishes)."""
    order = await find_order(deps.db, message.bulk_id)
    if order is None or not order.is_processing:
        return
    chunks = message.chunk_messages() if message.kind == "split" else [message]
    for chunk in chunks:
        await fail_chunk(deps, order, chunk)
    if message.kind == "chunk":
        # Its earlier deliveries may have claimed slots and died before publishing them.
        await advance(deps, message.bulk_id, claimer_of_chunk(message.chunk),
                      Delivery(redelivered=True, token=delivery.token))
    await finish_if_last(deps, order, delivery, takeover=True)


async def fail_chunk(deps: Deps, order: Order, message: WorkMessage) -> None:
    if await is_done(deps.db, message.bulk_id, message.chunk):
        return
    try:
        rows = await load_rows(deps.store, order, message.chunk)
    except (orjson.JSONDecodeError, KeyError, TypeError, IndexError):  # unreadable rows
        rows = [RowInput(message.first + i, None) for i in range(message.rows)]
    tally = dict.fromkeys(FEATURE_KEYS, 0)
    entries = []
    for row in rows:
        uid = row.raw.get("uid") if isinstance(row.raw, dict) else None
        failure = RowFailure(row.index, uid if isinstance(uid, str | int) else None, MESSAGE,
                             500, features_of(row.raw))
        tally_failure(tally, failure)
        entries.append(failure_entry(failure))
    await store_part(deps, message, entries, rows)
    await record_done(deps, message, tally)
    deps.metrics.dead_lettered.inc()
    log.warning("chunk dead-lettered; rows failed with 500", rows=len(rows))
