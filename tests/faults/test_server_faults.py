"""Servers that restart or fail mid-batch: RabbitMQ, FerretDB and S3."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aio_pika
import pytest

from shared.amqp import Names
from shared.s3 import ObjectStore
from shared.settings import Settings
from shared.store.progress import count_done
from tests.faults.checker import Batch, check, post_status
from tests.faults.cluster import Cluster
from tests.faults.conftest import MakeCluster
from tests.faults.helpers import Session, mixed_rows, secured_rows, until
from tests.faults.s3proxy import FaultPlan, FaultProxy
from tests.servers import private_server

pytestmark = pytest.mark.slow
BULK = "/api/qr/bulk-generate"


async def consumers(settings: Settings) -> int:
    connection = await aio_pika.connect(settings.amqp_url.get_secret_value())
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(Names(settings.queue_prefix).chunks, passive=True)
        return queue.declaration_result.consumer_count or 0


async def test_rabbitmq_restart_mid_batch(make_cluster: MakeCluster, tmp_path: Path) -> None:
    broker = private_server("rabbitmq", tmp_path)
    broker.start()
    cluster = make_cluster("rabbit", chunk_rows=200, publish_timeout_s=3, **broker.overrides)
    session = Session(cluster.settings, cluster.url)
    try:
        cluster.start_gateway()
        cluster.start_worker()
        api = await session.open()
        batch = await session.submit(api, secured_rows("rabbit", 1000))
        await until(lambda: _has_progress(session, batch), 60, "the first chunk to finish")
        broker.stop()
        answers = [await post_status(session.http, BULK, mixed_rows("down", 3),
                                     session.tenant.headers if session.tenant else {})
                   for _ in range(3)]
        assert all(status >= 500 for status, _ in answers), answers  # never a 200 unconfirmed
        broker.start()
        await until(lambda: _consuming(cluster.settings), 90, "workers to consume again")
        await until(lambda: _ready(session), 90, "the gateway to reconnect")
        after = await session.submit(api, mixed_rows("after", 20))
        await check("rabbitmq-restart", api, session.db, cluster.settings, [batch, after])
    finally:
        await session.close()
        cluster.stop()
        broker.stop()


async def _consuming(settings: Settings) -> bool:
    try:
        return await consumers(settings) > 0
    except (aio_pika.exceptions.AMQPError, OSError):
        return False


async def _ready(session: Session) -> bool:
    async with session.http.get("/readyz") as answer:
        return answer.status == 200


async def _has_progress(session: Session, batch: Batch) -> bool:
    return await count_done(session.db, batch.bulk_id) > 0


async def test_ferretdb_restart_mid_batch(make_cluster: MakeCluster, tmp_path: Path) -> None:
    database = private_server("mongodb", tmp_path)
    database.start()
    cluster = make_cluster("ferret", chunk_rows=200, **database.overrides)
    session = Session(cluster.settings, cluster.url)
    try:
        cluster.start_gateway()
        cluster.start_worker()
        api = await session.open()
        batch = await session.submit(api, secured_rows("ferret", 1000))
        await until(lambda: _has_progress(session, batch), 60, "the first chunk to finish")
        database.stop()
        await asyncio.sleep(3)
        database.start()
        await check("ferretdb-restart", api, session.db, cluster.settings, [batch])
    finally:
        await session.close()
        cluster.stop()
        database.stop()


async def test_s3_failing_transiently(make_cluster: MakeCluster, settings: Settings) -> None:
    plan = FaultPlan()
    with FaultProxy(settings.s3_endpoint_url, plan) as proxy:
        cluster = make_cluster("s3", s3_endpoint_url=f"http://127.0.0.1:{proxy.port}",
                               chunk_rows=100)
        await _run_s3_scenario(cluster, settings, plan)


async def _run_s3_scenario(cluster: Cluster, settings: Settings, plan: FaultPlan) -> None:
    session = Session(cluster.settings, cluster.url)
    try:
        cluster.start_gateway()
        cluster.start_worker()
        api = await session.open()
        batches = [await session.submit(api, mixed_rows(f"s3-{n}", 400)) for n in range(3)]
        await check("s3-faults", api, session.db, cluster.settings, batches)
        print(f"s3-faults: injected {dict(plan.injected)} over {plan.seen} requests")
        assert plan.injected["503"] > 0 and plan.injected["reset"] > 0
        assert plan.injected["complete_500"] == plan.failing_completes
        async with ObjectStore(direct_settings(cluster, settings)) as store:
            # The gateway deletes a downloaded archive just after the client has its last
            # byte, through the same faulty proxy: give it a moment.
            await until(lambda: _no_results(store), 15, "downloaded archives to be deleted")
            assert await store.pending_uploads() == 0  # no orphaned partial archive
    finally:
        await session.close()
        cluster.stop()
        cluster.settings = direct_settings(cluster, settings)  # the proxy is going away


async def _no_results(store: ObjectStore) -> bool:
    return [key async for key in store.keys("results/")] == []


def direct_settings(cluster: Cluster, settings: Settings) -> Settings:
    return cluster.settings.model_copy(update={"s3_endpoint_url": settings.s3_endpoint_url})
