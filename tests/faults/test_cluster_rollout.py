"""Rollout faults on the cluster: gateways killed under a client, rolling restart, two releases."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.faults.checker import Batch, check
from tests.faults.helpers import Session, mixed_rows
from tests.faults.rabbitcluster import RabbitCluster
from tests.faults.rollout import (
    archive_entries,
    client_for,
    cpu_s,
    export_tree,
    kill_busiest,
    pids_of,
    roll,
    stop_piece,
    wait_exited,
)
from tests.processes import free_port, start_worker

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
PREVIOUS_RELEASE = "8f0bdc7"  # the last landed commit before the cluster work
URL_PAD = "x" * 3900  # a dynamic row's URL may be 4,096 characters: ~4 KB a row
# The gateway serving a 6 MB POST uses ~0.07 s of CPU over its ~0.35 s, the other none:
# killing the first to pass 0.02 s lands mid-request, long before the answer.
KILL_AT_CPU_S = 0.02


def long_rows(tag: str, count: int) -> list[dict[str, Any]]:
    """Dynamic rows of ~4 KB each: the body takes the gateway a while to read and store."""
    return [{"uid": f"{tag}-{i}", "qrType": "dynamic",
             "data": f"https://example.com/{tag}/{i}?pad={URL_PAD}"} for i in range(count)]


async def test_gateway_killed_mid_post(rabbit_cluster: RabbitCluster) -> None:
    cluster = rabbit_cluster
    await cluster.astart()
    session = Session(cluster.settings, cluster.url)
    try:
        api = await session.open()
        assert session.tenant is not None
        rows = long_rows("post", 1500)
        assert len(orjson.dumps(rows)) > 5_000_000
        gateways = await pids_of(cluster, "gateways")
        async with client_for(cluster, session.tenant) as bulkqr:
            since = {pid: cpu_s(pid) for pid in gateways}
            submit = asyncio.create_task(bulkqr.submit(rows))
            killed = await kill_busiest(gateways, since, KILL_AT_CPU_S, 30)
            assert not submit.done(), "the answer came before the kill"
            await wait_exited(killed, 30)  # reaped: cluster.sh start then sees it down
            bulk_id = await submit  # retried with the same Idempotency-Key
            listed = [bulk.bulk_id async for bulk in bulkqr.list()]
        assert listed == [bulk_id]  # one order
        await cluster.astart()  # the killed gateway back
        assert killed not in await pids_of(cluster, "gateways")
        report = await check("gateway-killed-mid-post", api, session.db, cluster.settings,
                             [Batch(bulk_id, rows)])
        assert report.rows == 1500
    finally:
        await session.close()


async def test_gateway_killed_mid_download(rabbit_cluster: RabbitCluster,
                                           tmp_path: Path) -> None:
    cluster = rabbit_cluster
    await cluster.astart()
    session = Session(cluster.settings, cluster.url)
    try:
        api = await session.open()
        assert session.tenant is not None
        rows = mixed_rows("download", 300)
        gateways = await pids_of(cluster, "gateways")
        async with client_for(cluster, session.tenant) as bulkqr:
            bulk_id = await bulkqr.submit(rows)
            await bulkqr.wait(bulk_id, timeout_s=120)
            sizes: list[int] = []
            first_bytes = asyncio.Event()

            def progress(size: int, _total: int | None) -> None:
                sizes.append(size)
                first_bytes.set()

            since = {pid: cpu_s(pid) for pid in gateways}
            download = asyncio.create_task(bulkqr.download(
                bulk_id, tmp_path, fmt="zip", sheet="a4-3x8", on_progress=progress))
            await first_bytes.wait()  # the images are out; sheet.pdf is being drawn
            await wait_exited(await kill_busiest(gateways, since, KILL_AT_CPU_S, 30), 30)
            path = await download
        attempts = 1 + sum(1 for a, b in itertools.pairwise(sizes) if b < a)
        assert attempts >= 2, "the kill landed after the body was sent"
        with zipfile.ZipFile(path) as archive:
            assert archive.testzip() is None
            names = archive.namelist()
            assert "sheet.pdf" in names and archive.read("sheet.pdf").rstrip().endswith(b"%%EOF")
            entries = orjson.loads(archive.read("result.json"))
        await cluster.astart()  # the killed gateway back
        report = await check("gateway-killed-mid-download", api, session.db,
                             cluster.settings, [Batch(bulk_id, rows, entries=entries)])
        assert report.rows == 300
        assert (await api.status(bulk_id))["status"] == "resultDownloaded"
    finally:
        await session.close()


class Load:
    """Tenants that each submit small batches, wait and download, until told to stop; every
    call the client could not complete (after its documented retries) is a failure."""

    def __init__(self, cluster: RabbitCluster, folder: Path) -> None:
        self.cluster, self.folder = cluster, folder
        self.stopping = asyncio.Event()
        self.failures: list[str] = []

    async def run(self, session: Session, name: str) -> list[Batch]:
        assert session.tenant is not None
        batches: list[Batch] = []
        async with client_for(self.cluster, session.tenant) as bulkqr:
            for n in itertools.count():
                if self.stopping.is_set():
                    return batches
                rows = mixed_rows(f"{name}-{n}", 10)
                try:
                    batch = Batch(await bulkqr.submit(rows), rows)
                    batches.append(batch)
                    await bulkqr.wait(batch.bulk_id, timeout_s=120)
                    batch.entries = archive_entries(
                        await bulkqr.download(batch.bulk_id, self.folder))
                except Exception as exc:  # noqa: BLE001 - every failure is the finding
                    self.failures.append(f"{name} batch {n}: {exc!r}")
        return batches


async def test_rolling_restart_under_load(rabbit_cluster: RabbitCluster,
                                          tmp_path: Path) -> None:
    cluster = rabbit_cluster
    await cluster.astart()
    sessions = [Session(cluster.settings, cluster.url) for _ in range(3)]
    try:
        apis = [await session.open() for session in sessions]
        load = Load(cluster, tmp_path)
        tasks = [asyncio.create_task(load.run(session, f"roll{i}"))
                 for i, session in enumerate(sessions)]
        await asyncio.sleep(3)  # the load is steady before the first piece goes
        steps = [("gateways", 0), ("gateways", 1), ("workers", 0), ("workers", 1)]
        drains = {f"{kind}[{index}]": round(await roll(cluster, kind, index), 1)
                  for kind, index in steps}
        print("rolling restart, seconds each piece took to drain:", drains)
        await asyncio.sleep(3)
        load.stopping.set()
        batches = await asyncio.gather(*tasks)
        assert load.failures == []
        for i, (api, session, own) in enumerate(zip(apis, sessions, batches, strict=True)):
            assert len(own) >= 3, own
            await check(f"rolling-restart-tenant{i}", api, session.db, cluster.settings, own)
    finally:
        for session in sessions:
            await session.close()


async def test_previous_release_worker_beside_this_one(rabbit_cluster: RabbitCluster,
                                                       tmp_path: Path) -> None:
    cluster = rabbit_cluster
    await cluster.astart()
    tree = export_tree(PREVIOUS_RELEASE, tmp_path / "previous")
    await stop_piece(cluster, "workers", 1)  # worker-2 is replaced by the previous release
    old = await asyncio.to_thread(
        start_worker, cluster.settings.model_copy(update={"worker_metrics_port": free_port()}),
        # A name of its own: a log left by an earlier run would read as ready at once.
        f"previous-release-worker-{uuid.uuid4().hex[:6]}", 60, {"PYTHONPATH": str(tree)},
        False)
    session = Session(cluster.settings, cluster.url)
    try:
        api = await session.open()
        started = time.monotonic()
        batches = [await session.submit(api, mixed_rows(f"mixed-release-{i}", 400))
                   for i in range(4)]
        report = await check("previous-release-worker", api, session.db, cluster.settings,
                             batches)
        assert report.rows == 1600
        print(f"4 batches on both releases in {time.monotonic() - started:.1f} s")
        log = old.log_text()
        assert any(batch.bulk_id in log for batch in batches), "the old worker took no chunk"
    finally:
        await session.close()
        await asyncio.to_thread(old.stop)
        await cluster.astart()  # this release's worker-2 back
