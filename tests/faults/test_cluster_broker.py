"""On the scale-out cluster: the RabbitMQ node leading the chunk queue dies mid-batch, and
`scripts/cluster.sh status` / `stop` say what runs and leave nothing running."""

from __future__ import annotations

import asyncio
import os
import signal

import psutil
import pytest

from shared.amqp import Names
from shared.store.progress import count_done
from tests.children import running, tagged, wait_gone
from tests.faults.checker import Batch, check, wait_all_completed
from tests.faults.helpers import Session, mixed_rows, secured_rows, until
from tests.faults.rabbitcluster import RabbitCluster

# The cluster is the session's (tests/faults/conftest.py): one boot for every cluster test.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
SHAPE = {"rabbitmq": {"node", "amqpPort", "pid"}, "gateways": {"port", "pid"},
         "workers": {"pid"}, "haproxy": {"port", "pid"}}


async def test_chunk_queue_leader_killed_mid_batch(rabbit_cluster: RabbitCluster) -> None:
    cluster = rabbit_cluster
    await cluster.astart()
    session = Session(cluster.settings, cluster.url)  # through HAProxy, as a client would
    try:
        api = await session.open()
        chunks = Names(cluster.settings.queue_prefix).chunks
        queue = await cluster.management(f"queues/%2F/{chunks}")
        assert len(queue["members"]) == 3, queue["members"]  # replicated on every node
        batches = [await session.submit(api, secured_rows("leader", 2000)),
                   await session.submit(api, mixed_rows("mixed", 2000))]
        await until(lambda: _has_progress(session, batches[0]), 120, "the first chunk to finish")
        leader = str(queue["leader"])
        assert not await _all_completed(session, batches)  # the kill lands mid-batch
        os.kill(await cluster.pid_of(leader), signal.SIGKILL)
        await wait_all_completed(api, batches, timeout_s=300)
        assert await cluster.leader(chunks) != leader  # another node took over
        await cluster.astart()  # starts the one node that is not running
        nodes = sorted(node["node"] for node in (await cluster.astatus())[1]["rabbitmq"])
        await until(lambda: _running_are(cluster, nodes), 120, "the killed node to rejoin")
        report = await check("rabbitmq-leader-killed", api, session.db, cluster.settings,
                             batches)
        assert report.rows == 4000
    finally:
        await session.close()


async def _has_progress(session: Session, batch: Batch) -> bool:
    return await count_done(session.db, batch.bulk_id) > 0


async def _all_completed(session: Session, batches: list[Batch]) -> bool:
    assert session.tenant is not None
    for batch in batches:
        async with session.http.get(f"/api/qr/bulk-generate/{batch.bulk_id}",
                                    headers=session.tenant.headers) as answer:
            if (await answer.json())["status"] == "processing":
                return False
    return True


async def _running_are(cluster: RabbitCluster, nodes: list[str]) -> bool:
    return await cluster.running_nodes() == nodes


@pytest.mark.stops_cluster
async def test_status_names_every_piece_and_stop_ends_them(rabbit_cluster: RabbitCluster
                                                           ) -> None:
    cluster = rabbit_cluster
    await cluster.astart()
    code, status = await cluster.astatus()
    assert code == 0, status
    assert set(status) == set(SHAPE)
    for key in ("rabbitmq", "gateways", "workers"):
        assert [set(piece) for piece in status[key]] == [SHAPE[key]] * (3 if key ==
                                                                         "rabbitmq" else 2)
    assert set(status["haproxy"]) == SHAPE["haproxy"]
    assert status["haproxy"]["port"] == cluster.http_port
    pids = [piece["pid"] for key in ("rabbitmq", "gateways", "workers")
            for piece in status[key]] + [status["haproxy"]["pid"]]
    processes = [psutil.Process(pid) for pid in pids]
    assert all(running(process) for process in processes), pids
    await asyncio.to_thread(cluster.stop)
    code, after = await cluster.astatus()
    assert code == 3, after
    assert [piece["pid"] for piece in after["rabbitmq"] + after["gateways"]
            + after["workers"]] + [after["haproxy"]["pid"]] == [None] * 8
    assert wait_gone(processes, 10) == []
    # Nothing it started is left (epmd, a worker's render processes): all carry the tag of
    # a cluster.sh run of this session.
    left = wait_gone(tagged(lambda tag: "/cluster.sh-" in tag), 10)
    assert left == [], [process.cmdline() for process in left]
