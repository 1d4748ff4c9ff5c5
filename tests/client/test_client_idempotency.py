"""Submissions carry an Idempotency-Key, so repeats and retries never make a second batch."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace

import pytest

from client import BulkQRClient, ClientConfig, Conflict, TransportError
from shared.store import ORDERS, Database
from tests.client.conftest import without_retries
from tests.client.proxy import CuttingProxy
from tests.conftest import Stack

ROWS = [{"uid": "a", "data": "https://example.com/idem-a"},
        {"uid": "b", "data": "https://example.com/idem-b"}]


async def _orders(db: Database, config: ClientConfig) -> list[str]:
    found = db[ORDERS].find({"subscription": config.client_id}, {"_id": 1})
    return sorted([doc["_id"] async for doc in found])


async def test_same_key_sequential_and_concurrent_makes_one_batch(
    client: BulkQRClient, config: ClientConfig, db: Database
) -> None:
    key = f"order-{uuid.uuid4().hex}"
    first = await client.submit(ROWS, idempotency_key=key)
    assert await client.submit(ROWS, idempotency_key=key) == first

    other_key = f"order-{uuid.uuid4().hex}"
    concurrent = await asyncio.gather(
        *(client.submit(ROWS, idempotency_key=other_key) for _ in range(6)))
    assert len(set(concurrent)) == 1 and concurrent[0] != first
    assert await _orders(db, config) == sorted([first, concurrent[0]])

    with pytest.raises(Conflict, match="different body") as conflict:
        await client.submit([{"uid": "c", "data": "https://example.com/other"}],
                            idempotency_key=key)
    assert conflict.value.status == 409
    assert len(await _orders(db, config)) == 2


async def test_each_plain_submit_gets_a_fresh_key(client: BulkQRClient, config: ClientConfig,
                                                  db: Database) -> None:
    one, two = await client.submit(ROWS), await client.submit(ROWS)
    assert one != two
    assert await _orders(db, config) == sorted([one, two])


async def test_a_submit_whose_answer_is_lost_is_retried_without_a_duplicate(
    stack: Stack, client: BulkQRClient, config: ClientConfig, db: Database
) -> None:
    port = stack.settings.http_port
    # cuts=[0]: the gateway answers the first request, and the client never hears it
    async with (CuttingProxy(port, cuts=[0]) as proxy,
                BulkQRClient(replace(config, base_url=proxy.url)) as flaky):
        bulk_id = await flaky.submit(ROWS)
    assert (proxy.cut_done, proxy.connections) == (1, 2)
    assert await _orders(db, config) == [bulk_id]

    key = f"order-{uuid.uuid4().hex}"
    async with (CuttingProxy(port, cuts=[0]) as proxy,
                BulkQRClient(without_retries(replace(config, base_url=proxy.url))) as once):
        with pytest.raises(TransportError):
            await once.submit(ROWS, idempotency_key=key)
    assert len(await _orders(db, config)) == 2  # it was accepted, though the answer was lost
    again = await client.submit(ROWS, idempotency_key=key)  # the caller's own retry
    assert sorted([bulk_id, again]) == await _orders(db, config)
    assert (await client.wait(again)).count == len(ROWS)
