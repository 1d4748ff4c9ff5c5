"""Workers that die or are stopped mid-chunk: nothing is lost, duplicated or charged twice."""

from __future__ import annotations

import signal
import time

import pytest

from shared.keys import SPLIT_CLAIMER
from shared.progress import read_progress
from shared.quota import quota_used
from shared.store.client import Database
from tests.api import Api
from tests.faults.checker import Batch, check
from tests.faults.conftest import MakeCluster
from tests.faults.helpers import Session, secured_rows, until

pytestmark = pytest.mark.slow


async def test_worker_killed_mid_chunk(make_cluster: MakeCluster) -> None:
    cluster = make_cluster("sigkill", chunk_rows=200)
    cluster.start_gateway()
    victim = cluster.start_worker()
    session = Session(cluster.settings, cluster.url)
    try:
        api, batch = await _batch_under_way(session, "kill")
        victim.signal(signal.SIGKILL)  # rows written, chunk not acked
        assert victim.wait(10) == -signal.SIGKILL
        cluster.start_worker()
        report = await check("sigkill", api, session.db, cluster.settings, [batch])
        assert report.rows == 1000
    finally:
        await session.close()


async def test_worker_stopped_mid_chunk_drains_and_exits_zero(make_cluster: MakeCluster) -> None:
    cluster = make_cluster("sigterm", chunk_rows=200, drain_timeout_s=20)
    cluster.start_gateway()
    stopping = cluster.start_worker()
    session = Session(cluster.settings, cluster.url)
    try:
        api, batch = await _batch_under_way(session, "term")
        started = time.monotonic()
        stopping.signal(signal.SIGTERM)
        assert stopping.wait(cluster.settings.drain_timeout_s + 10) == 0
        drain_s = time.monotonic() - started
        assert drain_s < cluster.settings.drain_timeout_s + 5
        assert "worker draining" in stopping.log_text()
        cluster.start_worker()
        await check("sigterm", api, session.db, cluster.settings, [batch])
        print(f"sigterm: worker exited 0 after {drain_s:.1f}s")
    finally:
        await session.close()


async def test_worker_killed_between_claiming_and_publishing_the_window(
        make_cluster: MakeCluster) -> None:
    """The worker finished a chunk and claimed the window's next one, but died before
    publishing it: the redelivered chunk publishes what it claimed; nothing stalls."""
    cluster = make_cluster("window", chunk_rows=100, window_chunks=2)
    cluster.start_gateway()
    victim = cluster.start_worker(fault_pause_after_claim_s=600)
    session = Session(cluster.settings, cluster.url)
    try:
        api = await session.open()
        batch = await session.submit(api, secured_rows("window", 1000))
        await until(lambda: _claimed_by_a_chunk(session.db, batch.bulk_id), 120,
                    "a chunk to claim the window's next")
        victim.signal(signal.SIGKILL)  # chunk done and its successor claimed, not published
        assert victim.wait(10) == -signal.SIGKILL
        claimed = await _chunk_claims(session.db, batch.bulk_id)
        cluster.start_worker()
        report = await check("window", api, session.db, cluster.settings, [batch])
        assert report.rows == 1000 and claimed
    finally:
        await session.close()


async def _chunk_claims(db: Database, bulk_id: str) -> list[int]:
    """The window slots claimed by chunks (not by the split)."""
    claims = (await read_progress(db, bulk_id)).claims
    return [chunk for chunk, by in claims.items() if by != SPLIT_CLAIMER]


async def _batch_under_way(session: Session, tag: str) -> tuple[Api, Batch]:
    """A 1,000-row batch whose first rows are charged: a worker is mid-chunk."""
    api = await session.open()
    assert session.tenant is not None
    batch = await session.submit(api, secured_rows(tag, 1000))
    client_id = session.tenant.client_id
    await until(lambda: _charged(session.db, client_id), 60, "the first rows to be charged")
    return api, batch


async def _claimed_by_a_chunk(db: Database, bulk_id: str) -> bool:
    return bool(await _chunk_claims(db, bulk_id))


async def _charged(db: Database, client_id: str) -> bool:
    return await quota_used(db, client_id) > 0
