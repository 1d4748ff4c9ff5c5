"""A running batch's progress on the real document store: processed rows, pending rows."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace

from shared.orderdoc import Order
from shared.orders import new_order, status_document, with_processed
from shared.progress import (
    forget_running,
    pending_rows,
    read_progress,
    register_running,
    running_batches,
)
from shared.status import OrderStatus
from shared.store.client import Database
from shared.store.progress import (
    ChunkDone,
    WindowClaim,
    count_done,
    delete_progress,
    find_running,
    insert_claim,
    insert_done,
    is_done,
    read_done,
)


async def test_processed_and_pending_come_from_the_small_collections(db: Database) -> None:
    bulk_id = f"bulk_{uuid.uuid4().hex}"
    subscription = f"sub-{uuid.uuid4().hex}"
    order = Order.from_doc(new_order(bulk_id, subscription, 250, 3))
    await register_running(db, order, [100, 100, 50])
    await register_running(db, order, [100, 100, 50])  # idempotent
    for n in range(3):
        assert await insert_claim(db, bulk_id, WindowClaim(n, "split"))
    assert not await insert_claim(db, bulk_id, WindowClaim(1, "chunk:0"))  # one winner
    assert await insert_done(db, bulk_id, ChunkDone(0, 100, {"dynamicQr": 2}))
    assert await insert_done(db, bulk_id, ChunkDone(2, 50))
    assert not await insert_done(db, bulk_id, ChunkDone(2, 50))  # counted once
    read = await read_progress(db, bulk_id)
    assert read.done == {0, 2} and read.done_rows == 150
    assert read.claims == {0: "split", 1: "split", 2: "split"}
    assert await count_done(db, bulk_id) == 2
    assert await is_done(db, bulk_id, 0) and not await is_done(db, bulk_id, 1)
    assert sorted((d.chunk, d.failed.get("dynamicQr", 0)) for d in await read_done(db, bulk_id)
                  ) == [(0, 2), (2, 0)]
    assert status_document(await with_processed(db, order))["processed"] == 150
    assert await pending_rows(db, 1000) >= 100  # other tests' batches may be running
    assert await running_batches(db, subscription) == 1
    running = await find_running(db, bulk_id)
    assert running is not None and running.sizes == (100, 100, 50)
    completed = replace(order, status=OrderStatus.COMPLETED)
    assert status_document(await with_processed(db, completed))["processed"] == 250
    await forget_running(db, bulk_id)
    await delete_progress(db, bulk_id)
    assert await find_running(db, bulk_id) is None
    assert await running_batches(db, subscription) == 0
    assert await read_progress(db, bulk_id) == type(read)()


async def test_batches_sharing_a_collection_see_only_their_own(db: Database) -> None:
    """Many batches fall in one of the 16 progress collections: reads and the end's removal
    are by batch, and a chunk number reused by another batch is another document."""
    bulk_ids = [f"bulk_{uuid.uuid4().hex}" for _ in range(40)]  # some share a shard
    for n, bulk_id in enumerate(bulk_ids):
        assert await insert_done(db, bulk_id, ChunkDone(0, n + 1))
    await delete_progress(db, bulk_ids[0])
    assert (await read_progress(db, bulk_ids[0])).done == frozenset()
    for n, bulk_id in enumerate(bulk_ids[1:], start=1):
        read = await read_progress(db, bulk_id)
        assert (set(read.done), read.done_rows) == ({0}, n + 1)
        await delete_progress(db, bulk_id)


async def test_progress_read_while_the_batch_ends_sees_part_and_never_fails(db: Database
                                                                             ) -> None:
    """A status poll racing the batch's end (its progress removed) never fails, and what
    it reads stays coherent."""
    bulk_id = f"bulk_{uuid.uuid4().hex}"
    chunks = 100
    for _ in range(3):
        await asyncio.gather(*(insert_claim(db, bulk_id, WindowClaim(n, "split"))
                               for n in range(chunks)),
                             *(insert_done(db, bulk_id, ChunkDone(n, 10)) for n in range(chunks)))
        read, _ = await asyncio.gather(read_progress(db, bulk_id),
                                       delete_progress(db, bulk_id))
        assert read.done_rows == 10 * len(read.done) <= 10 * chunks
    assert await read_progress(db, bulk_id) == type(read)()
