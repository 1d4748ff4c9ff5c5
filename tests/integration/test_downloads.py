"""One-shot download under concurrency and interruption, and owner scoping."""

from __future__ import annotations

import asyncio

import aiohttp

from shared.keys import result_key
from shared.s3 import ObjectStore
from shared.store.claims import find_claim
from shared.store.client import Database
from tests.api import Api, abort_download, new_tenant, parse_archive
from tests.conftest import Stack


async def test_eight_concurrent_downloads_one_wins(api: Api) -> None:
    bulk_id = await api.submit([{"uid": i, "data": f"https://example.com/{i}"} for i in range(50)])
    await api.wait_completed(bulk_id)
    answers = await asyncio.gather(*(api.download(bulk_id) for _ in range(8)))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] + [410] * 7
    body = next(body for status, body in answers if status == 200)
    assert len(parse_archive(body)) == 50
    await api.wait_consumed(bulk_id)


async def test_interrupted_download_can_be_retried(api: Api, stack: Stack, db: Database,
                                                   store: ObjectStore) -> None:
    rows = [{"uid": i, "data": f"https://example.com/{i}", "styling": {"size": 4096}}
            for i in range(300)]
    bulk_id = await api.submit(rows)
    await api.wait_completed(bulk_id)
    size = await store.size(result_key(bulk_id))
    assert size > 8_000_000  # far more than socket buffers hold, so the cut is real
    head = await abort_download(stack.settings.http_port,
                                f"/api/qr/bulk-generate/{bulk_id}/result",
                                api.tenant.headers, 2000)
    assert head.startswith(b"HTTP/1.1 200")
    for _ in range(100):  # the gateway notices the reset on its next write
        if await find_claim(db, f"download:{bulk_id}") is None:
            break
        await asyncio.sleep(0.1)
    assert (await api.status(bulk_id))["status"] == "completed"
    status, body = await api.download(bulk_id)
    assert status == 200
    assert len(body) == size and len(parse_archive(body)) == 300
    # Consumed once the gateway sees the client's TCP acknowledgement of the last byte,
    # which can come just after the client has read it: status first, then the object.
    await api.wait_consumed(bulk_id)
    for _ in range(100):
        if not await store.exists(result_key(bulk_id)):
            break
        await asyncio.sleep(0.1)
    assert not await store.exists(result_key(bulk_id))


async def test_other_tenants_get_the_same_404_as_unknown_ids(
    api: Api, http: aiohttp.ClientSession, db: Database
) -> None:
    bulk_id = await api.submit([{"uid": 1, "data": "https://example.com"}])
    await api.wait_completed(bulk_id)
    stranger = (await new_tenant(db)).headers
    for path in (f"/api/qr/bulk-generate/{bulk_id}", f"/api/qr/bulk-generate/{bulk_id}/result"):
        async with http.get(path, headers=stranger) as theirs:
            their_status, their_body = theirs.status, await theirs.read()
        unknown = path.replace(bulk_id, "bulk_" + "0" * 32)
        async with http.get(unknown, headers=stranger) as missing:
            assert (their_status, their_body) == (missing.status, await missing.read())
        assert their_status == 404
    assert (await api.status(bulk_id))["status"] == "completed"  # the probe consumed nothing
