"""A running batch's documents: its `running` entry, its chunk completions and window claims.

Completions and claims live in `progress_tNN` (the shard of the batch), `_id`
"{bulk}:{kind}:{chunk}", at most two per chunk of a batch still running: the batch's end
deletes them, so a shard holds only the running batches' few documents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from shared.store.client import Database, Doc
from shared.store.errors import store_errors
from shared.store.layout import RUNNING, progress_collection
from shared.store.unique import insert_unique

DONE, NEXT = "done", "next"
# A batch has at most `max_chunks_per_batch` chunks and two documents per chunk, so one
# cursor batch of this size reads a batch's progress in one round trip.
PROGRESS_READ_BATCH = 10_000


@dataclass(frozen=True)
class ChunkDone:
    """A chunk's completion: its rows and its failed rows by feature."""

    chunk: int
    rows: int
    failed: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class WindowClaim:
    """The right to publish `chunk`, won by `by` (a chunk's message, or the split)."""

    chunk: int
    by: str


@dataclass(frozen=True)
class RunningBatch:
    """A batch being processed: its owner, its rows and its chunks' sizes."""

    bulk_id: str
    subscription: str
    count: int
    sizes: tuple[int, ...] = ()


def progress_id(bulk_id: str, kind: str, chunk: int) -> str:
    return f"{bulk_id}:{kind}:{chunk}"


async def insert_done(db: Database, bulk_id: str, done: ChunkDone) -> bool:
    """Record a chunk as done (unique insert); False if it already was."""
    return await insert_unique(db[progress_collection(bulk_id)], {
        "_id": progress_id(bulk_id, DONE, done.chunk), "bulkId": bulk_id, "kind": DONE,
        "chunk": done.chunk, "rows": done.rows, "failed": dict(done.failed)})


async def insert_claim(db: Database, bulk_id: str, claim: WindowClaim) -> bool:
    """Claim a window slot (unique insert); False if another delivery holds it."""
    return await insert_unique(db[progress_collection(bulk_id)], {
        "_id": progress_id(bulk_id, NEXT, claim.chunk), "bulkId": bulk_id, "kind": NEXT,
        "chunk": claim.chunk, "by": claim.by})


async def read_chunks(db: Database, bulk_id: str) -> tuple[list[ChunkDone], list[WindowClaim]]:
    """Every completion and claim of a batch (one read; a batch ending meanwhile may show
    part of them)."""
    done: list[ChunkDone] = []
    claims: list[WindowClaim] = []
    with store_errors():
        async for doc in db[progress_collection(bulk_id)].find(
                {"bulkId": bulk_id}, {"kind": 1, "chunk": 1, "by": 1, "rows": 1},
                batch_size=PROGRESS_READ_BATCH):
            if doc.get("kind") == DONE:
                done.append(ChunkDone(int(doc["chunk"]), int(doc.get("rows", 0))))
            elif doc.get("kind") == NEXT:
                claims.append(WindowClaim(int(doc["chunk"]), str(doc["by"])))
    return done, claims


async def read_done(db: Database, bulk_id: str) -> list[ChunkDone]:
    """A batch's completions with their failed rows (read by the finisher)."""
    with store_errors():
        return [ChunkDone(int(doc["chunk"]), int(doc.get("rows", 0)), doc.get("failed") or {})
                async for doc in db[progress_collection(bulk_id)].find(
                    {"bulkId": bulk_id, "kind": DONE}, batch_size=PROGRESS_READ_BATCH)]


async def count_done(db: Database, bulk_id: str) -> int:
    with store_errors():
        return await db[progress_collection(bulk_id)].count_documents(
            {"bulkId": bulk_id, "kind": DONE})


async def is_done(db: Database, bulk_id: str, chunk: int) -> bool:
    with store_errors():
        found = await db[progress_collection(bulk_id)].find_one(
            {"_id": progress_id(bulk_id, DONE, chunk)}, {"_id": 1})
    return found is not None


async def delete_progress(db: Database, bulk_id: str) -> None:
    """Remove a batch's completions and claims (its end; idempotent)."""
    with store_errors():
        await db[progress_collection(bulk_id)].delete_many({"bulkId": bulk_id})


async def insert_running(db: Database, batch: RunningBatch) -> None:
    """Register a batch as running (idempotent)."""
    await insert_unique(db[RUNNING], {"_id": batch.bulk_id, "subscription": batch.subscription,
                                      "count": batch.count, "sizes": list(batch.sizes)})


async def find_running(db: Database, bulk_id: str) -> RunningBatch | None:
    with store_errors():
        doc = await db[RUNNING].find_one({"_id": bulk_id})
    return None if doc is None else _running(doc)


async def count_running(db: Database, subscription: str) -> int:
    """Batches of one subscription processing now (a small collection)."""
    with store_errors():
        return await db[RUNNING].count_documents({"subscription": subscription})


async def list_running(db: Database, max_batches: int) -> list[RunningBatch]:
    """At most `max_batches` running batches, without their chunk sizes."""
    with store_errors():
        return [_running(doc) async for doc in
                db[RUNNING].find({}, {"subscription": 1, "count": 1}).limit(max_batches)]


async def delete_running(db: Database, bulk_id: str) -> None:
    with store_errors():
        await db[RUNNING].delete_one({"_id": bulk_id})


def _running(doc: Doc) -> RunningBatch:
    return RunningBatch(str(doc["_id"]), str(doc.get("subscription", "")), int(doc["count"]),
                        tuple(int(size) for size in doc.get("sizes", ())))
