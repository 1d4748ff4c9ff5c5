"""A running batch's progress on the real document store: processed rows, pending rows."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace

import pytest
from pymongo.errors import OperationFailure

from shared.keys import done_id, next_claim
from shared.orders import Order, new_order, status_document, transition, with_processed
from shared.progress import (
    find_running,
    forget_running,
    pending_rows,
    read_progress,
    register_running,
    running_batches,
)
from shared.status import OrderStatus
from shared.store import ORDERS, Database, progress_collection


async def test_processed_and_pending_come_from_the_small_collections(db: Database) -> None:
    bulk_id = f"bulk_{uuid.uuid4().hex}"
    subscription = f"sub-{uuid.uuid4().hex}"
    order = Order.from_doc(new_order(bulk_id, subscription, 250, 3))
    await register_running(db, order, [100, 100, 50])
    await register_running(db, order, [100, 100, 50])  # idempotent
    progress = db[progress_collection(bulk_id)]
    await progress.insert_many([
        {"_id": next_claim(bulk_id, n), "kind": "next", "chunk": n, "by": "split"}
        for n in range(3)
    ] + [{"_id": done_id(0), "kind": "done", "chunk": 0, "rows": 100, "failed": {}},
         {"_id": done_id(2), "kind": "done", "chunk": 2, "rows": 50, "failed": {}}])
    read = await read_progress(db, bulk_id)
    assert read.done == {0, 2} and read.done_rows == 150
    assert read.claims == {0: "split", 1: "split", 2: "split"}
    assert status_document(await with_processed(db, order))["processed"] == 150
    assert await pending_rows(db, 1000) >= 100  # other tests' batches may be running
    assert await running_batches(db, subscription) == 1
    assert (await find_running(db, bulk_id) or {})["sizes"] == [100, 100, 50]
    completed = replace(order, status=OrderStatus.COMPLETED)
    assert status_document(await with_processed(db, completed))["processed"] == 250
    await forget_running(db, bulk_id)
    await db.drop_collection(progress_collection(bulk_id))
    assert await find_running(db, bulk_id) is None
    assert await running_batches(db, subscription) == 0


async def test_progress_read_while_the_batch_ends_sees_all_or_nothing(db: Database) -> None:
    """A status poll racing the batch's end (its progress collection dropped) never fails:
    a big batch's progress (two documents per chunk) is read without a getMore. FerretDB
    may return part of a collection dropped during the read; what is read stays coherent."""
    bulk_id = f"bulk_{uuid.uuid4().hex}"
    chunks = 200
    for _ in range(5):
        await db[progress_collection(bulk_id)].insert_many(
            [{"_id": next_claim(bulk_id, n), "kind": "next", "chunk": n, "by": "split"}
             for n in range(chunks)]
            + [{"_id": done_id(n), "kind": "done", "chunk": n, "rows": 10, "failed": {}}
               for n in range(chunks)])
        read, _ = await asyncio.gather(read_progress(db, bulk_id),
                                       db.drop_collection(progress_collection(bulk_id)))
        assert read.done_rows == 10 * len(read.done) <= 10 * chunks


async def test_a_failed_progress_read_of_an_ended_batch_answers_from_the_order(db: Database
                                                                              ) -> None:
    """A read racing the drop at the batch's end can fail outright (FerretDB: "no such
    table", 4 reads in 12,000 of a stress of polls against batches ending). Here the read
    fails every time, on a collection name the server refuses: a batch that has ended
    meanwhile is answered from its order; a batch still running does not hide the failure."""
    bulk_id = "bulk_" + "x" * 300
    order = Order.from_doc(new_order(bulk_id, f"sub-{uuid.uuid4().hex}", 40, 1))
    await db[ORDERS].insert_one(order.to_doc())
    await register_running(db, order, [40])
    try:
        with pytest.raises(OperationFailure):
            await with_processed(db, order)
        with pytest.raises(OperationFailure):
            await pending_rows(db, 1000)
        await transition(db, bulk_id, OrderStatus.PROCESSING, OrderStatus.COMPLETED)
        ended = await with_processed(db, order)  # `order` as read before the batch ended
        assert ended.status is OrderStatus.COMPLETED
        assert status_document(ended)["processed"] == 40
    finally:
        await forget_running(db, bulk_id)
        await db[ORDERS].delete_one({"_id": bulk_id})
