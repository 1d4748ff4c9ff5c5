"""Apply scan tallies from the gateways; the queue's single active consumer is the one writer.

Each batch is applied once: a code's totals (shared/scantotals.py) and a record's month
document both remember the last batch of each gateway they took, and a batch they have
seen changes nothing.
Batches are applied one at a time and in order; a failing store is retried in place so
a later batch never overtakes an earlier one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog
from aio_pika.abc import AbstractIncomingMessage
from pydantic import ValidationError
from pymongo import ReplaceOne

from shared.analytics.months import merged, month_id, months_collection
from shared.analytics.tally import Cell, TallyBatch
from shared.ids import shard_of_code
from shared.mongo import Database
from shared.scantotals import apply_totals

log = structlog.get_logger(__name__)
RETRY_PAUSE_S = 1.0
RETRY_FOR_S = 120.0


async def apply_batch(db: Database, batch: TallyBatch) -> None:
    await apply_totals(db, batch)
    await _apply_cells(db, batch)


async def _apply_cells(db: Database, batch: TallyBatch) -> None:
    """Merge the cells into their month documents: one read and one write per shard and
    month (the collection that holds them)."""
    groups: dict[tuple[int, str], dict[str, list[Cell]]] = {}
    for cell in batch.cells:
        shard = shard_of_code(cell.record)
        if shard is not None:
            doc_id = month_id(cell.record, cell.hour)
            group = groups.setdefault((shard, doc_id.rpartition(":")[2]), {})
            group.setdefault(doc_id, []).append(cell)
    for (shard, month), docs in groups.items():
        collection = db[months_collection(shard, month)]
        stored = {doc["_id"]: doc async for doc in collection.find({"_id": {"$in": list(docs)}})}
        writes = []
        for doc_id, cells in docs.items():
            record = doc_id.rpartition(":")[0]
            doc = merged(stored.get(doc_id), record, month, cells, batch.gateway, batch.seq)
            if doc is not None:
                writes.append(ReplaceOne({"_id": doc_id}, doc, upsert=True))
        if writes:
            await collection.bulk_write(writes, ordered=False)


def scan_consumer(db: Database) -> Callable[[AbstractIncomingMessage], Awaitable[None]]:
    one_at_a_time = asyncio.Lock()

    async def on_message(incoming: AbstractIncomingMessage) -> None:
        try:
            batch = TallyBatch.model_validate_json(incoming.body)
        except ValidationError as exc:
            log.error("scan message rejected", error=str(exc))
            await incoming.reject(requeue=False)
            return
        async with one_at_a_time:
            await _apply_retrying(db, batch, incoming)

    return on_message


async def _apply_retrying(db: Database, batch: TallyBatch,
                          incoming: AbstractIncomingMessage) -> None:
    deadline_s = asyncio.get_running_loop().time() + RETRY_FOR_S
    while True:
        try:
            await apply_batch(db, batch)
        except Exception as exc:  # noqa: BLE001 - retried; a batch applies once
            if asyncio.get_running_loop().time() > deadline_s:
                log.warning("scan batch not applied; requeued", batch=batch.id, error=repr(exc))
                await incoming.nack(requeue=True)
                return
            await asyncio.sleep(RETRY_PAUSE_S)  # the store is down: do not spin
            continue
        await incoming.ack()
        return
