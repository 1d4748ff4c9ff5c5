"""A batch's stored rows on the real S3 server: one object, each chunk read back by its range."""

from __future__ import annotations

import uuid

from shared.inputs import PART_BYTES, read_chunk, store_chunks
from shared.keys import input_key, inputs_prefix, rows_key
from shared.orderdoc import Order
from shared.s3 import ObjectStore


def order_of(bulk_id: str, ends: list[int]) -> Order:
    return Order.new(bulk_id, "sub", 1, max(1, len(ends)), 0, input_ends=tuple(ends))


async def test_chunks_under_one_part_are_one_put(store: ObjectStore) -> None:
    bulk_id = f"bulk_{uuid.uuid4().hex}"
    texts = [b'{"first":0,"rows":[1]}', b'{"first":1,"rows":[2,3]}', b'{"first":3,"rows":[4]}']
    ends = await store_chunks(store, bulk_id, texts)
    assert ends == [22, 46, 68]  # each text ends where the next one starts
    assert [key async for key in store.keys(inputs_prefix(bulk_id))] == [rows_key(bulk_id)]
    order = order_of(bulk_id, ends)
    assert [await read_chunk(store, order, n) for n in range(3)] == texts
    await store.delete_prefix(inputs_prefix(bulk_id))


async def test_a_big_batch_is_one_multipart_object(store: ObjectStore) -> None:
    bulk_id = f"bulk_{uuid.uuid4().hex}"
    texts = [bytes([65 + n % 26]) * (PART_BYTES // 3 + n) for n in range(10)]  # ~3 parts
    ends = await store_chunks(store, bulk_id, iter(texts))
    assert ends[-1] == sum(map(len, texts)) == await store.size(rows_key(bulk_id))
    order = order_of(bulk_id, ends)
    assert [await read_chunk(store, order, n) for n in (0, 2, 3, 9)] == [
        texts[0],
        texts[2],
        texts[3],
        texts[9],
    ]
    await store.delete_prefix(inputs_prefix(bulk_id))


async def test_an_order_without_ends_reads_one_object_per_chunk(store: ObjectStore) -> None:
    """Batches stored before the one-object layout are still read."""
    bulk_id = f"bulk_{uuid.uuid4().hex}"
    await store.put(input_key(bulk_id, 1), b'{"first":5,"rows":[]}')
    assert await read_chunk(store, order_of(bulk_id, []), 1) == b'{"first":5,"rows":[]}'
    await store.delete_prefix(inputs_prefix(bulk_id))
