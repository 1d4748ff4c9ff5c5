"""Accept a batch durably: parse it into chunks, store them, record the order, publish its work."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import orjson

from gateway.resources import Broker
from gateway.rowsplit import Piece, split_rows
from gateway.uidindex import UidIndex
from shared import amqp
from shared.errors import TooManyRequests
from shared.ids import new_bulk_id
from shared.inputs import store_chunks
from shared.keys import inputs_prefix
from shared.logging import timed
from shared.orderdoc import Order
from shared.orders import now_ms
from shared.quota import quota_exhausted
from shared.s3 import ObjectStore
from shared.schemas import WorkMessage
from shared.settings import Settings
from shared.store.client import Database
from shared.store.orders import delete_order, insert_order
from shared.subscriptiondoc import Subscription


@dataclass(frozen=True)
class Batch:
    """A parsed batch: its chunks (each a run of neighbouring pieces), row count, whether
    any row is dynamic, and the sorted indexes of rows whose uid an earlier row gave
    (they fail from that occurrence)."""

    chunks: list[list[Piece]]
    count: int
    dynamic: bool
    repeats: npt.NDArray[np.int64]

    def sizes(self) -> list[int]:
        return [sum(piece.rows for piece in chunk) for chunk in self.chunks]

    def chunk_body(self, number: int) -> bytes:
        """Chunk `number` as stored: `{"first": i, "dups": [...], "rows": [...]}` (built
        only now, so the stored texts never exist twice)."""
        chunk = self.chunks[number]
        first, end = chunk[0].first, chunk[-1].first + chunk[-1].rows
        low, high = np.searchsorted(self.repeats, [first, end])
        dups = orjson.dumps(self.repeats[low:high], option=orjson.OPT_SERIALIZE_NUMPY)
        rows = b",".join(piece.text[1:-1] for piece in chunk)
        return b'{"first":%d,"dups":%s,"rows":[%s]}' % (first, dups, rows)


async def parse_batch(body: bytes | bytearray, settings: Settings,
                      turns: asyncio.Lock | None = None) -> Batch:
    """A body's rows split into chunks as they are parsed (400 for anything but a
    non-empty strict JSON array), taking `turns` with other bodies; the uid sort runs in a
    thread."""
    uids = UidIndex(len(body) // 2 + 1)  # a row takes at least two bytes: `0,`
    split = await split_rows(body, settings.chunk_rows, settings.chunk_bytes, uids, turns)
    with timed("uid_sort_ms"):
        repeats = await asyncio.to_thread(uids.repeated_rows)
    chunks = group_pieces(split.pieces, settings.max_chunks_per_batch, settings.chunk_bytes)
    return Batch(chunks, split.count, split.dynamic, repeats)


def group_pieces(pieces: list[Piece], max_chunks: int, max_bytes: int) -> list[list[Piece]]:
    """Neighbouring pieces grouped into about `max_chunks` chunks (each object stored
    costs the gateway more than its bytes do), none past `max_bytes` unless one piece is."""
    per_chunk = -(-len(pieces) // max_chunks)
    groups: list[list[Piece]] = []
    size = 0
    for piece in pieces:
        if groups and len(groups[-1]) < per_chunk and size + len(piece.text) <= max_bytes:
            groups[-1].append(piece)
            size += len(piece.text)
        else:
            groups.append([piece])
            size = len(piece.text)
    return groups


async def accept_batch(settings: Settings, db: Database, store: ObjectStore, broker: Broker,
                       sub: Subscription, batch: Batch, *, verify: bool = False) -> str:
    """Store and queue a batch; returns its bulkId only once the work is confirmed.

    Either the batch is stored and its split message confirmed, or nothing of it is
    left: inputs and order are removed again and PublishFailed is raised. With `verify`,
    workers scan every image back before delivering it.
    """
    if batch.dynamic and await quota_exhausted(db, sub):
        raise TooManyRequests("QR creation limit of your plan reached; nothing was queued")
    bulk_id = new_bulk_id()
    chunks = len(batch.chunks)
    try:
        with timed("store_ms"):
            ends = await store_chunks(store, bulk_id, map(batch.chunk_body, range(chunks)))
        await insert_order(db, Order.new(bulk_id, sub.client_id, batch.count, chunks, now_ms(),
                                         verify, tuple(ends)))
        message = WorkMessage(kind="split", bulk_id=bulk_id, chunks=chunks,
                              sizes=batch.sizes())
        await amqp.publish(broker.topology.work, amqp.CHUNK_KEY, message.to_bytes(),
                           timeout_s=settings.publish_timeout_s, message_id=message.message_id)
    except BaseException:
        await asyncio.shield(_forget(db, store, bulk_id))
        raise
    return bulk_id


async def _forget(db: Database, store: ObjectStore, bulk_id: str) -> None:
    """Best-effort removal of a batch that was not accepted."""
    try:
        await delete_order(db, bulk_id)
        await store.delete_prefix(inputs_prefix(bulk_id))
    except Exception:  # noqa: BLE001 - the original error is what the caller must see
        pass

