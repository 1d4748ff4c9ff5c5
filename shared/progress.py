"""A running batch's progress: its registry entry, and its chunks done and claimed.

Both are small (`running` holds one document per batch being processed; a batch's
progress is at most two documents per chunk, removed when it ends), so reading them
whole stays cheap on FerretDB, which scans every collection it queries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from shared.orderdoc import Order
from shared.store.client import Database
from shared.store.progress import (
    RunningBatch,
    count_running,
    delete_running,
    insert_running,
    list_running,
    read_chunks,
)


@dataclass(frozen=True)
class Progress:
    """Chunks recorded done, window slots claimed (chunk -> claimer), rows finished."""

    done: frozenset[int] = frozenset()
    claims: Mapping[int, str] = field(default_factory=dict)
    done_rows: int = 0


async def read_progress(db: Database, bulk_id: str) -> Progress:
    """What the batch's progress holds. The batch's end removes it, and a read racing that
    may see part of it (a status poll then shows fewer rows processed; a delivery finds the
    order completed when it looks again after its work)."""
    done, claims = await read_chunks(db, bulk_id)
    return Progress(frozenset(d.chunk for d in done), {c.chunk: c.by for c in claims},
                    sum(d.rows for d in done))


async def register_running(db: Database, order: Order, sizes: list[int]) -> None:
    """Record the batch as running (idempotent): its owner, size and chunk sizes."""
    await insert_running(db, RunningBatch(order.bulk_id, order.subscription, order.count,
                                          tuple(sizes)))


async def running_batches(db: Database, subscription: str) -> int:
    return await count_running(db, subscription)


async def forget_running(db: Database, bulk_id: str) -> None:
    await delete_running(db, bulk_id)


async def pending_rows(db: Database, max_batches: int) -> int:
    """Rows of running batches not finished yet, over at most `max_batches` batches. A batch
    that ends while it is read counts what was read of it (the next refresh drops it)."""
    pending = 0
    for batch in await list_running(db, max_batches):
        done_rows = (await read_progress(db, batch.bulk_id)).done_rows
        pending += max(0, batch.count - done_rows)
    return pending
