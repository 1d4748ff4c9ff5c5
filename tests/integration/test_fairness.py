"""Fair scheduling on the real servers: a small batch is not held up by another
subscription's big one, and two subscriptions' big batches share the workers evenly."""

from __future__ import annotations

import asyncio
import io
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import orjson
import pytest

from shared.settings import Settings
from shared.store import Database
from tests.api import Api, Tenant, new_tenant
from tests.conftest import Stack
from tests.processes import free_port, removed_at_end, start_gateway, start_worker

pytestmark = pytest.mark.slow


@pytest.fixture
async def fair(settings: Settings) -> AsyncIterator[tuple[Stack, aiohttp.ClientSession]]:
    """A gateway and two workers of their own with the default (automatic) window, so what
    is measured is the scheduling, not the session's shared queue."""
    async with own_stack(settings) as running:
        yield running


@asynccontextmanager
async def own_stack(settings: Settings, **overrides: Any
                    ) -> AsyncIterator[tuple[Stack, aiohttp.ClientSession]]:
    port = free_port()
    tag = uuid.uuid4().hex[:6]
    own = settings.model_copy(update={
        "queue_prefix": f"{settings.queue_prefix}-fair-{tag}", "http_port": port,
        "public_url": f"http://127.0.0.1:{port}", "chunk_rows": 500, **overrides})
    with removed_at_end(own, databases=False) as processes:
        processes.append(start_gateway(own, f"fair-{tag}-gateway"))
        for i in range(2):
            processes.append(start_worker(own, f"fair-{tag}-worker-{i}"))
        stack = Stack(own, processes[0], processes[1:])
        async with aiohttp.ClientSession(stack.url) as http:
            yield stack, http


def static_rows(tag: str, count: int) -> bytes:
    return orjson.dumps([{"uid": f"{tag}-{i}", "qrType": "static",
                          "data": f"https://example.com/{tag}/{i}"} for i in range(count)])


async def submit_bytes(http: aiohttp.ClientSession, tenant: Tenant, body: bytes) -> str:
    headers = {**tenant.headers, "content-type": "application/json"}
    async with http.post("/api/qr/bulk-generate", data=io.BytesIO(body),
                         headers=headers) as answer:
        text = await answer.text()
        assert answer.status == 200, text
        bulk_id = orjson.loads(text)
        assert isinstance(bulk_id, str)
        return bulk_id


async def completed_after(api: Api, bulk_id: str, started: float, timeout_s: float) -> float:
    """Seconds from `started` until the batch completed (polled every 0.1 s)."""
    deadline = time.monotonic() + timeout_s
    while (await api.status(bulk_id))["status"] == "processing":
        assert time.monotonic() < deadline, f"{bulk_id} still processing after {timeout_s}s"
        await asyncio.sleep(0.1)
    return time.monotonic() - started


async def drain(api: Api, bulk_id: str) -> None:
    await api.wait_completed(bulk_id, timeout_s=600)
    status, _ = await api.download(bulk_id)  # removes the archive
    assert status == 200


async def test_small_batch_overtakes_another_subscriptions_big_one(
        fair: tuple[Stack, aiohttp.ClientSession], db: Database) -> None:
    _, http = fair
    big_api = Api(http, await new_tenant(db))
    small_api = Api(http, await new_tenant(db))
    big = await submit_bytes(http, big_api.tenant, static_rows("big", 100_000))
    big_started = time.monotonic()
    while (await big_api.status(big))["processed"] == 0:  # the big batch is under way
        assert time.monotonic() < big_started + 120, "the big batch never started"
        await asyncio.sleep(0.1)
    started = time.monotonic()
    small = await submit_bytes(http, small_api.tenant, static_rows("small", 300))
    small_s = await completed_after(small_api, small, started, 60)
    big_status = await big_api.status(big)
    print(f"fairness: 300 rows behind 100,000 completed in {small_s:.2f}s; "
          f"the big batch had processed {big_status['processed']} rows")
    assert big_status["status"] == "processing"  # the small one finished first
    assert 0 < big_status["processed"] < 100_000
    assert small_s < 10
    entries = await small_api.archive(small)
    assert len(entries) == 300  # the big batch is left to the stack's end


async def test_two_subscriptions_big_batches_finish_together(
        fair: tuple[Stack, aiohttp.ClientSession], db: Database) -> None:
    _, http = fair
    apis = [Api(http, await new_tenant(db)) for _ in range(2)]
    bodies = [static_rows(f"even{n}", 10_000) for n in range(2)]
    started = time.monotonic()
    bulk_ids = await asyncio.gather(*(submit_bytes(http, api.tenant, body)
                                      for api, body in zip(apis, bodies, strict=True)))
    times = await asyncio.gather(*(completed_after(api, bulk_id, started, 600)
                                   for api, bulk_id in zip(apis, bulk_ids, strict=True)))
    print(f"fairness: two 10,000-row batches completed after {times[0]:.1f}s and "
          f"{times[1]:.1f}s")
    assert abs(times[0] - times[1]) <= 0.25 * max(times)
    for api, bulk_id in zip(apis, bulk_ids, strict=True):
        await drain(api, bulk_id)


async def test_many_batches_of_one_subscription_share_its_part(
        settings: Settings, db: Database) -> None:
    """Five batches of one subscription against one batch of another, the same rows in
    total: shared per subscription, both finish together (shared per batch, the five
    would take five sixths of the throughput and finish at about 60 % of the other's time)."""
    async with own_stack(settings, window_chunks=10) as (_, http):
        many, one = Api(http, await new_tenant(db)), Api(http, await new_tenant(db))
        started = time.monotonic()
        *five, single = await asyncio.gather(
            *(submit_bytes(http, many.tenant, static_rows(f"five{n}", 2_000)) for n in range(5)),
            submit_bytes(http, one.tenant, static_rows("one", 10_000)))
        many_s = max(await asyncio.gather(*(completed_after(many, bulk_id, started, 600)
                                            for bulk_id in five)))
        one_s = await completed_after(one, single, started, 600)
        print(f"fairness: five 2,000-row batches of one subscription completed after "
              f"{many_s:.1f}s, one 10,000-row batch of another after {one_s:.1f}s")
        assert abs(many_s - one_s) <= 0.25 * max(many_s, one_s)
