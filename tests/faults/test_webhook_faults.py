"""A worker killed while it sends a webhook: the delivery still arrives, same webhook-id."""

from __future__ import annotations

import asyncio
import signal

import pytest

from tests.faults.conftest import MakeCluster
from tests.faults.helpers import Session
from tests.webhooks.conftest import attempts, delete_webhook_queues, register
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.slow


async def test_worker_killed_during_a_delivery(make_cluster: MakeCluster) -> None:
    cluster = make_cluster("webhook-kill", webhook_allow_private=True,
                           webhook_retry_delays_s=[1.0, 2.0])
    cluster.start_gateway()
    victim = cluster.start_worker()
    session = Session(cluster.settings, cluster.url)
    receiver = await Receiver(["hang"]).start()
    try:
        api = await session.open()
        hook = await register(api, receiver.url, ["bulk.completed"])
        bulk_id = await api.submit([{"uid": 1, "data": "https://example.com"}])
        await asyncio.wait_for(receiver.hanging.wait(), 60)
        victim.signal(signal.SIGKILL)  # mid-request: nothing recorded, message not acked
        assert victim.wait(10) == -signal.SIGKILL
        assert await attempts(api, hook["id"]) == []
        cluster.start_worker()
        await receiver.wait_requests(2)
        await asyncio.sleep(1)  # let the answer be recorded
        log = await attempts(api, hook["id"])
    finally:
        await receiver.stop()
        await session.close()
        cluster.stop()
        await delete_webhook_queues(cluster.settings)
    payloads = receiver.verified(hook["secret"])
    assert all(p["data"]["bulkId"] == bulk_id for p in payloads)
    assert len(set(receiver.ids())) == 1
    assert [a["ok"] for a in log] == [True]
