"""An interrupted download leaves no file, does not consume the archive, and can be retried."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from client import BulkQRClient, ClientConfig, TransportError
from client.export import load_archive
from shared.keys import result_key
from shared.s3 import ObjectStore
from shared.store import CLAIMS, Database
from tests.client.conftest import without_retries
from tests.client.proxy import CuttingProxy
from tests.conftest import Stack

BIG = [{"uid": f"big-{i}", "data": f"https://example.com/{i}", "styling": {"size": 4096}}
       for i in range(300)]
CUT_AT = 1_000_000


def _no_files(folder: Path) -> bool:
    return not folder.exists() or not any(folder.iterdir())


async def _claim_released(db: Database, bulk_id: str) -> None:
    """The gateway drops a cut download's claim when its next write fails."""
    for _ in range(100):
        if await db[CLAIMS].find_one({"_id": f"download:{bulk_id}"}) is None:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the claim of the interrupted download was not released")


async def test_interrupted_downloads(client: BulkQRClient, config: ClientConfig, stack: Stack,
                                     db: Database, store: ObjectStore, tmp_path: Path) -> None:
    bulk_id = await client.submit(BIG)
    await client.wait(bulk_id)
    size = await store.size(result_key(bulk_id))
    assert size > 8_000_000  # far more than socket buffers hold, so every cut is mid-body
    dest = tmp_path / "out"

    def disk_full(done: int, total: int | None) -> None:
        if done > CUT_AT:
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        await client.download(bulk_id, dest, on_progress=disk_full)
    assert _no_files(dest) and (await client.status(bulk_id)).status == "completed"

    halfway = asyncio.Event()
    task = asyncio.create_task(client.download(
        bulk_id, dest, on_progress=lambda done, _: halfway.set() if done > CUT_AT else None))
    await halfway.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _no_files(dest) and (await client.status(bulk_id)).status == "completed"

    saved = await _through_cutting_proxies(client, config, stack, db, bulk_id, dest)
    assert sorted(p.name for p in dest.iterdir()) == [f"{bulk_id}.json"]
    assert saved.stat().st_size == size
    assert [entry for entry in load_archive(saved.read_bytes()) if not isinstance(entry, str)] == []
    assert len(load_archive(saved.read_bytes())) == 300
    for _ in range(200):  # consumed just after the client has the last byte
        if (await client.status(bulk_id)).status == "resultDownloaded":
            break
        await asyncio.sleep(0.05)
    assert (await client.status(bulk_id)).status == "resultDownloaded"
    assert not await store.exists(result_key(bulk_id))


async def _through_cutting_proxies(client: BulkQRClient, config: ClientConfig, stack: Stack,
                                   db: Database, bulk_id: str, dest: Path) -> Path:
    """A cut without retries fails cleanly; a cut with retries still ends with the file."""
    port = stack.settings.http_port
    async with (CuttingProxy(port, cuts=[CUT_AT] * 50) as proxy,
                BulkQRClient(without_retries(replace(config, base_url=proxy.url))) as cut):
        with pytest.raises(TransportError):
            await cut.download(bulk_id, dest)
    assert proxy.cut_done == 1
    assert _no_files(dest) and (await client.status(bulk_id)).status == "completed"

    await _claim_released(db, bulk_id)
    async with (CuttingProxy(port, cuts=[CUT_AT]) as proxy,  # the first connection dies
                BulkQRClient(replace(config, base_url=proxy.url)) as flaky):
        saved = await flaky.download(bulk_id, dest)
    assert proxy.cut_done == 1 and proxy.connections >= 2
    return saved
