"""Accept a batch durably: split it into chunks, store them, record the order, publish its work."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from gateway.resources import Broker
from shared import amqp
from shared.errors import PayloadTooLarge, TooManyRequests
from shared.ids import new_bulk_id
from shared.mongo import ORDERS, Database
from shared.orders import new_order
from shared.quota import quota_exhausted
from shared.s3 import ObjectStore
from shared.schemas import WorkMessage, input_key
from shared.settings import Settings
from shared.subscriptions import Subscription

STORE_CONCURRENCY = 16


@dataclass(frozen=True)
class Chunk:
    first: int
    rows: int
    body: bytes


def split_rows(rows: list[Any], max_rows: int, max_bytes: int) -> Iterator[Chunk]:
    """Chunks of at most `max_rows` rows and about `max_bytes`, each stored as
    `{"first": i, "dups": [...], "rows": [...]}`; `dups` lists rows whose uid was
    already given by an earlier row of the batch."""
    seen: set[tuple[str, Any]] = set()
    first, size = 0, 0
    pieces: list[bytes] = []
    dups: list[int] = []
    for index, row in enumerate(rows):
        piece = orjson.dumps(row)
        if pieces and (len(pieces) >= max_rows or size + len(piece) > max_bytes):
            yield _chunk(first, pieces, dups)
            first, pieces, dups, size = index, [], [], 0
        uid = row.get("uid") if isinstance(row, dict) else None
        if isinstance(uid, str | int) and not isinstance(uid, bool):
            key = (type(uid).__name__, uid)
            if key in seen:
                dups.append(index)
            seen.add(key)
        pieces.append(piece)
        size += len(piece)
    if pieces:
        yield _chunk(first, pieces, dups)


def _chunk(first: int, pieces: list[bytes], dups: list[int]) -> Chunk:
    head = orjson.dumps({"first": first, "dups": dups})[:-1]
    return Chunk(first, len(pieces), head + b',"rows":[' + b",".join(pieces) + b"]}")


def has_dynamic_rows(rows: list[Any]) -> bool:
    return any(isinstance(row, dict) and row.get("qrType") == "dynamic" for row in rows)


async def accept_batch(settings: Settings, db: Database, store: ObjectStore, broker: Broker,
                       sub: Subscription, rows: list[Any], *, verify: bool = False) -> str:
    """Store and queue a batch; returns its bulkId only once the work is confirmed.

    Either the batch is stored and its split message confirmed, or nothing of it is
    left: inputs and order are removed again and PublishFailed is raised. With `verify`,
    workers scan every image back before delivering it.
    """
    if len(rows) > settings.max_batch_rows:
        raise PayloadTooLarge(f"the batch has {len(rows)} rows; at most "
                              f"{settings.max_batch_rows} are accepted at once: split it")
    if has_dynamic_rows(rows) and await quota_exhausted(db, sub):
        raise TooManyRequests("QR creation limit of your plan reached; nothing was queued")
    bulk_id = new_bulk_id()
    chunks = list(split_rows(rows, settings.chunk_rows, settings.chunk_bytes))
    try:
        await _store_inputs(store, bulk_id, chunks)
        await db[ORDERS].insert_one(new_order(bulk_id, sub.client_id, len(rows), len(chunks),
                                              verify))
        message = WorkMessage(kind="split", bulk_id=bulk_id, chunks=len(chunks),
                              sizes=[chunk.rows for chunk in chunks])
        await amqp.publish(broker.topology.work, amqp.CHUNK_KEY, message.to_bytes(),
                           timeout_s=settings.publish_timeout_s, message_id=message.message_id)
    except BaseException:
        await asyncio.shield(_forget(db, store, bulk_id))
        raise
    return bulk_id


async def _store_inputs(store: ObjectStore, bulk_id: str, chunks: list[Chunk]) -> None:
    gate = asyncio.Semaphore(STORE_CONCURRENCY)

    async def put(number: int, chunk: Chunk) -> None:
        async with gate:
            await store.put(input_key(bulk_id, number), chunk.body)

    async with asyncio.TaskGroup() as group:
        for number, chunk in enumerate(chunks):
            group.create_task(put(number, chunk))


async def _forget(db: Database, store: ObjectStore, bulk_id: str) -> None:
    """Best-effort removal of a batch that was not accepted."""
    try:
        await db[ORDERS].delete_one({"_id": bulk_id})
        await store.delete_prefix(f"inputs/{bulk_id}/")
    except Exception:  # noqa: BLE001 - the original error is what the caller must see
        pass

