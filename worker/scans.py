"""Apply scan tallies from the gateways; the queue's single active consumer is the one writer.

Each batch is applied once: a code's totals (shared/scantotals.py) and a record's month
document both remember the last batch of each gateway they took, and a batch they have
seen changes nothing. A merge reads and rewrites only the days of the month its cells touch
(shared/analytics/months.py), keeping at most `cap` values per trait and day.
Batches are applied one at a time and in order; a failing store is retried in place so
a later batch never overtakes an earlier one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog
from aio_pika.abc import AbstractIncomingMessage
from pydantic import ValidationError

from shared.analytics.months import fields_of, merged, month_id
from shared.analytics.tally import Cell, TallyBatch
from shared.ids import shard_of_code
from shared.scantotals import apply_totals
from shared.store.client import Database, Doc
from shared.store.scans import find_months, save_months

log = structlog.get_logger(__name__)
RETRY_PAUSE_S = 1.0
RETRY_FOR_S = 120.0


async def apply_batch(db: Database, batch: TallyBatch, cap: int = 100) -> None:
    await apply_totals(db, batch)
    await _apply_cells(db, batch, cap)


async def _apply_cells(db: Database, batch: TallyBatch, cap: int) -> None:
    """Merge the cells into their month documents: per shard one read of the days they
    touch and one write of those days, each a round over the calendar months' collections."""
    groups: dict[int, dict[str, list[Cell]]] = {}
    for cell in batch.cells:
        shard = shard_of_code(cell.record)
        if shard is not None:
            groups.setdefault(shard, {}).setdefault(month_id(cell.record, cell.hour),
                                                    []).append(cell)
    for shard, months in groups.items():
        fields = ["seen", *sorted(fields_of(c for cells in months.values() for c in cells))]
        stored = await find_months(db, shard, list(months), fields)
        changed: list[Doc] = []
        for doc_id, cells in months.items():
            record, _, month = doc_id.rpartition(":")
            doc = merged(stored.get(doc_id), record, month, cells, batch.gateway, batch.seq, cap)
            if doc is not None:
                changed.append(doc)
        await save_months(db, shard, changed)


def scan_consumer(db: Database, cap: int = 100
                  ) -> Callable[[AbstractIncomingMessage], Awaitable[None]]:
    """The consumer of the scans queue; `cap` is settings.scan_dimension_values."""
    one_at_a_time = asyncio.Lock()

    async def on_message(incoming: AbstractIncomingMessage) -> None:
        try:
            batch = TallyBatch.model_validate_json(incoming.body)
        except ValidationError as exc:
            log.error("scan message rejected", error=str(exc))
            await incoming.reject(requeue=False)
            return
        async with one_at_a_time:
            await _apply_retrying(db, batch, incoming, cap)

    return on_message


async def _apply_retrying(db: Database, batch: TallyBatch,
                          incoming: AbstractIncomingMessage, cap: int) -> None:
    deadline_s = asyncio.get_running_loop().time() + RETRY_FOR_S
    while True:
        try:
            await apply_batch(db, batch, cap)
        except Exception as exc:  # noqa: BLE001 - retried; a batch applies once
            if asyncio.get_running_loop().time() > deadline_s:
                log.warning("scan batch not applied; requeued", batch=batch.id, error=repr(exc))
                await incoming.nack(requeue=True)
                return
            await asyncio.sleep(RETRY_PAUSE_S)  # the store is down: do not spin
            continue
        await incoming.ack()
        return
