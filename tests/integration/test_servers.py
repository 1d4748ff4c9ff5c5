"""A round trip through each real server: FerretDB, RabbitMQ and versitygw."""

from __future__ import annotations

import asyncio
import uuid

import aio_pika
import pytest

from shared import amqp
from shared.errors import PublishFailed
from shared.s3 import MIN_PART_BYTES, ObjectStore
from shared.settings import Settings
from shared.store import Database, insert_unique


async def test_mongo_unique_insert_has_exactly_one_winner(db: Database) -> None:
    collection = db[f"claims_{uuid.uuid4().hex[:8]}"]
    wins = await asyncio.gather(*(insert_unique(collection, {"_id": "only", "n": i})
                                  for i in range(50)))
    assert sum(wins) == 1
    assert await collection.count_documents({}) == 1
    await collection.insert_many([{"_id": i, "even": i % 2 == 0} for i in range(10)])
    evens = [doc["_id"] async for doc in collection.find({"even": True}).sort("_id", 1)]
    assert evens == [0, 2, 4, 6, 8]


async def test_rabbitmq_publish_confirm_consume_ack(settings: Settings) -> None:
    connection = await amqp.connect(settings)
    async with connection:
        channel = await amqp.open_channel(connection)
        queue = await channel.declare_queue(f"roundtrip-{uuid.uuid4().hex[:8]}", durable=True,
                                            arguments={"x-queue-type": "quorum"})
        await amqp.publish(channel.default_exchange, queue.name, b'{"n": 1}', timeout_s=5)
        message = await queue.get(timeout=5, fail=True)
        assert message is not None and message.body == b'{"n": 1}'
        assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
        await message.ack()
        assert await queue.get(fail=False) is None
        with pytest.raises(PublishFailed):  # mandatory + returns raised: unroutable fails
            await amqp.publish(channel.default_exchange, "no-such-queue", b"x", timeout_s=5)
        await queue.delete(if_unused=False, if_empty=False)


async def test_s3_put_get_delete_and_multipart(store: ObjectStore) -> None:
    key = f"roundtrip/{uuid.uuid4().hex}"
    await store.put(key, b"hello")
    assert await store.get(key) == b"hello"
    assert await store.exists(key)
    await store.delete(key)
    assert not await store.exists(key)
    big = bytes(range(256)) * (MIN_PART_BYTES // 256 * 3 + 7)
    async with store.multipart(key) as upload:
        for start in range(0, len(big), 1_000_000):
            await upload.write(big[start:start + 1_000_000])
    assert await store.size(key) == len(big)
    assert b"".join([piece async for piece in store.stream(key)]) == big
    await store.delete(key)


async def test_failed_multipart_leaves_no_object(store: ObjectStore) -> None:
    key = f"roundtrip/{uuid.uuid4().hex}"
    with pytest.raises(RuntimeError):
        async with store.multipart(key) as upload:
            await upload.write(b"partial")
            raise RuntimeError("cut")
    assert not await store.exists(key)
