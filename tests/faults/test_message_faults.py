"""Duplicated and poisoned messages, a crowd of batches on a small quota, and a crowd of
downloads: the same invariants hold."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from shared import amqp
from shared.keys import rows_key
from shared.s3 import ObjectStore
from shared.schemas import WorkMessage
from shared.store.orders import find_order
from tests.api import Api, abort_download, new_tenant, parse_archive
from tests.faults.checker import Batch, check, post_status
from tests.faults.conftest import MakeCluster
from tests.faults.helpers import Session, mixed_rows

pytestmark = pytest.mark.slow
BULK = "/api/qr/bulk-generate"


async def test_duplicated_and_poisoned_chunks(make_cluster: MakeCluster) -> None:
    """A chunk whose stored rows are garbage fails every delivery: after the delivery limit
    it is dead-lettered and its rows fail with 500; duplicated chunks change nothing."""
    # A window of one chunk: the dead chunk must move the window on, or chunk 2 never runs.
    cluster = make_cluster("poison", chunk_rows=100, delivery_limit=3, window_chunks=1)
    session = Session(cluster.settings, cluster.url)
    try:
        cluster.start_gateway()
        api = await session.open()
        poisoned = await session.submit(api, mixed_rows("poison", 300))
        poisoned.poison_rows = set(range(100, 200))
        await _poison_chunk(session, poisoned.bulk_id, 1)  # no worker has run yet
        doubled = await session.submit(api, mixed_rows("twice", 250))
        await _publish_twice(cluster.settings, doubled, chunks=3)
        cluster.start_worker()
        report = await check("poison-and-duplicates", api, session.db, cluster.settings,
                             [poisoned, doubled])
        assert report.dead_rows == 100
    finally:
        await session.close()


async def _poison_chunk(session: Session, bulk_id: str, chunk: int) -> None:
    """Overwrite one chunk's stored text, in the batch's one input object, with garbage."""
    order = await find_order(session.db, bulk_id)
    assert order is not None and len(order.input_ends) > chunk
    start, end = order.input_ends[chunk - 1] if chunk else 0, order.input_ends[chunk]
    async with ObjectStore(session.settings) as store:
        stored = await store.get(rows_key(bulk_id))
        garbage = b"\x00 not json".ljust(end - start)
        await store.put(rows_key(bulk_id), stored[:start] + garbage + stored[end:])


async def _publish_twice(settings: Any, batch: Batch, chunks: int) -> None:
    connection = await amqp.connect(settings)
    async with connection:
        channel = await amqp.open_channel(connection)
        topology = await amqp.declare_topology(channel, settings)
        sizes = [100, 100, 50]
        split = WorkMessage(kind="split", bulk_id=batch.bulk_id, chunks=chunks, sizes=sizes)
        for message in [split, *split.chunk_messages()]:
            await amqp.publish(topology.work, amqp.CHUNK_KEY, message.to_bytes(), timeout_s=5)


async def test_fifty_concurrent_batches_on_a_small_quota(make_cluster: MakeCluster) -> None:
    cluster = make_cluster("crowd")
    session = Session(cluster.settings, cluster.url)
    try:
        cluster.start_gateway()
        cluster.start_worker()
        cluster.start_worker()
        api = await session.open(qr_limit=40)
        assert session.tenant is not None
        headers = session.tenant.headers

        async def submit(n: int) -> Batch | None:
            rows = mixed_rows(f"crowd{n}", 6)  # 3 dynamic rows each: 150 wanted, 40 allowed
            status, body = await post_status(session.http, BULK, rows, headers)
            assert status in (200, 429), body
            return Batch(body, rows) if status == 200 else None

        batches = [b for b in await asyncio.gather(*(submit(n) for n in range(50))) if b]
        report = await check("fifty-batches-small-quota", api, session.db, cluster.settings,
                             batches)
        assert report.rows == 6 * len(batches)
    finally:
        await session.close()


async def test_download_crowd_cut_and_probes(make_cluster: MakeCluster) -> None:
    cluster = make_cluster("downloads")
    session = Session(cluster.settings, cluster.url)
    try:
        cluster.start_gateway()
        cluster.start_worker()
        api = await session.open()
        big = [{"uid": i, "data": f"https://example.com/{i}", "styling": {"size": 4096}}
               for i in range(300)]
        cut, crowd = await session.submit(api, big), await session.submit(api, mixed_rows("c", 60))
        await api.wait_completed(cut.bulk_id)
        await api.wait_completed(crowd.bulk_id)
        head = await abort_download(cluster.settings.http_port, f"{BULK}/{cut.bulk_id}/result",
                                    api.tenant.headers, 4096)
        assert head.startswith(b"HTTP/1.1 200")
        cut.entries = await _retry_download(api, cut.bulk_id)
        answers = await asyncio.gather(*(api.download(crowd.bulk_id) for _ in range(20)))
        assert sorted(status for status, _ in answers) == [200] + [410] * 19
        crowd.entries = parse_archive(next(body for status, body in answers if status == 200))
        stranger = Api(session.http, await new_tenant(session.db))
        for bulk_id in (cut.bulk_id, crowd.bulk_id):
            assert (await stranger.download(bulk_id))[0] == 404
            status, _ = await post_status(session.http, f"{BULK}/{bulk_id}", None,
                                          stranger.tenant.headers)
            assert status == 405  # only GET reads a batch
        await check("download-crowd", api, session.db, cluster.settings, [cut, crowd])
    finally:
        await session.close()


async def _retry_download(api: Api, bulk_id: str) -> list[Any]:
    for _ in range(100):  # the gateway releases the claim once it notices the cut
        status, body = await api.download(bulk_id)
        if status == 200:
            return parse_archive(body)
        await asyncio.sleep(0.1)
    raise AssertionError("the cut download was never released")
