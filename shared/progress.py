"""A running batch's progress: its small registry entry, and its chunks done and claimed.

Both live in small collections (`running` holds one document per batch being processed;
each batch's progress collection holds at most two documents per chunk), so reading them
whole stays cheap on FerretDB, which scans every collection it queries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pymongo.errors import OperationFailure

from shared.orderdoc import Order
from shared.store import Database, Doc, insert_unique, progress_collection

RUNNING = "running"
# A progress collection holds at most two documents per chunk and a batch has at most
# `max_chunks_per_batch` chunks, so one batch of this size reads it without a getMore:
# a getMore can find its cursor gone when the batch ends and its collection is dropped.
PROGRESS_READ_BATCH = 10_000


@dataclass(frozen=True)
class Progress:
    """Chunks recorded done, window slots claimed (chunk -> claimer), rows finished."""

    done: frozenset[int] = frozenset()
    claims: Mapping[int, str] = field(default_factory=dict)
    done_rows: int = 0


async def read_progress(db: Database, bulk_id: str) -> Progress:
    """What the progress collection holds. The batch's end drops the collection, and a read
    racing the drop may fail (OperationFailure: FerretDB's "no such table", or a getMore's
    CursorNotFound) or see part of it; a caller that gets a failure checks whether the
    batch is still running before it treats the failure as one."""
    done: set[int] = set()
    claims: dict[int, str] = {}
    rows = 0
    async for doc in db[progress_collection(bulk_id)].find(
            {}, {"kind": 1, "chunk": 1, "by": 1, "rows": 1}, batch_size=PROGRESS_READ_BATCH):
        if doc.get("kind") == "done":
            done.add(int(doc.get("chunk", str(doc["_id"]).rpartition(":")[2])))
            rows += int(doc.get("rows", 0))
        elif doc.get("kind") == "next":
            claims[int(doc["chunk"])] = str(doc["by"])
    return Progress(frozenset(done), claims, rows)


async def register_running(db: Database, order: Order, sizes: list[int]) -> None:
    """Record the batch as running (idempotent): its owner, size and chunk sizes."""
    await insert_unique(db[RUNNING], {"_id": order.bulk_id, "subscription": order.subscription,
                                      "count": order.count, "sizes": sizes})


async def find_running(db: Database, bulk_id: str) -> Doc | None:
    return await db[RUNNING].find_one({"_id": bulk_id})


async def running_batches(db: Database, subscription: str) -> int:
    return await db[RUNNING].count_documents({"subscription": subscription})


async def forget_running(db: Database, bulk_id: str) -> None:
    await db[RUNNING].delete_one({"_id": bulk_id})


async def pending_rows(db: Database, max_batches: int) -> int:
    """Rows of running batches not finished yet, over at most `max_batches` batches."""
    pending = 0
    async for doc in db[RUNNING].find({}, {"count": 1}).limit(max_batches):
        try:
            done_rows = (await read_progress(db, doc["_id"])).done_rows
        except OperationFailure:
            if await find_running(db, doc["_id"]) is not None:
                raise
            continue  # it ended while it was read: nothing of it is pending
        pending += max(0, int(doc["count"]) - done_rows)
    return pending
