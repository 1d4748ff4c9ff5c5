"""A batch's stored rows: every chunk's text, one after another, in one object per batch.

Each stored object costs the gateway about 10 ms of event-loop CPU in the S3 client,
whatever its size, so the ~100 chunks of a 25 MB batch are one object (one put, or a
multipart upload in parts of PART_BYTES), not 100. The order document records where
each chunk's text ends; a worker reads its chunk with one ranged GET. Orders without
those ends were stored one object per chunk and are read that way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from shared.keys import input_key, rows_key
from shared.orderdoc import Order
from shared.s3 import MIN_PART_BYTES, ObjectStore

# The smallest part S3 allows: each one's payload hash (about 10 ms) blocks the loop.
PART_BYTES = MIN_PART_BYTES


async def store_chunks(store: ObjectStore, bulk_id: str, texts: Iterable[bytes]) -> list[int]:
    """Store the chunks' texts as the batch's one object; where each one's text ends."""
    texts = iter(texts)
    ends: list[int] = []
    head: list[bytes] = []
    for text in texts:  # a batch under one part's size is one plain put
        head.append(text)
        ends.append(ends[-1] + len(text) if ends else len(text))
        if ends[-1] >= PART_BYTES:
            break
        await asyncio.sleep(0)  # building the texts of a part is no one long step
    else:
        await store.put(rows_key(bulk_id), b"".join(head))
        return ends
    async with store.multipart(rows_key(bulk_id), part_bytes=PART_BYTES) as upload:
        for text in head:
            await upload.write(text)
        del head
        for text in texts:
            await upload.write(text)
            ends.append(ends[-1] + len(text))
            await asyncio.sleep(0)
    return ends


async def read_chunk(store: ObjectStore, order: Order, chunk: int) -> bytes:
    """The stored text of one chunk of `order`."""
    if not order.input_ends:
        return await store.get(input_key(order.bulk_id, chunk))
    start = order.input_ends[chunk - 1] if chunk else 0
    return await store.get_range(rows_key(order.bulk_id), start, order.input_ends[chunk])
