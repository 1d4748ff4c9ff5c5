"""Defect 2 of issue 14: an archive is consumed only once the client has every byte."""

from __future__ import annotations

import asyncio

from shared.keys import result_key
from shared.s3 import ObjectStore
from shared.store.claims import find_claim
from shared.store.client import Database
from tests.api import Api, abort_download, parse_archive
from tests.conftest import Stack


async def deleted(store: ObjectStore, key: str, timeout_s: float = 10.0) -> bool:
    """True once `key` is gone. The gateway marks the archive downloaded first and deletes
    it right after (a crash between them leaves an object, never a status that lies)."""
    for _ in range(int(timeout_s / 0.05)):
        if not await store.exists(key):
            return True
        await asyncio.sleep(0.05)
    return False

ROWS = [{"uid": i, "data": f"https://example.com/{i}", "styling": {"size": 4096}}
        for i in range(40)]


async def test_half_read_archive_can_be_downloaded_again(api: Api, stack: Stack, db: Database,
                                                         store: ObjectStore) -> None:
    bulk_id = await api.submit(ROWS)
    await api.wait_completed(bulk_id)
    size = await store.size(result_key(bulk_id))
    assert 800_000 < size < 2_000_000  # fits in the kernel's send buffer: written ≠ received
    head = await abort_download(stack.settings.http_port,
                                f"/api/qr/bulk-generate/{bulk_id}/result",
                                api.tenant.headers, size // 2)
    assert head.startswith(b"HTTP/1.1 200")
    for _ in range(100):
        if await find_claim(db, f"download:{bulk_id}") is None:
            break
        await asyncio.sleep(0.1)
    assert (await api.status(bulk_id))["status"] == "completed"
    assert await store.exists(result_key(bulk_id))
    status, body = await api.download(bulk_id)
    assert status == 200 and len(body) == size and len(parse_archive(body)) == 40
    await api.wait_consumed(bulk_id)
    assert await deleted(store, result_key(bulk_id))
    assert (await api.download(bulk_id))[0] == 410


async def test_a_client_that_closes_on_its_last_byte_consumes_it(api: Api, stack: Stack,
                                                                  store: ObjectStore) -> None:
    """A CLI that exits as soon as it has the body: its FIN makes the server's transport
    close at once, yet the body was acknowledged, so the archive is used up. (A ZIP ends
    with its chunked body's last chunk, sent by write_eof just before the wait starts.)"""
    bulk_id = await api.submit(ROWS[:5])
    await api.wait_completed(bulk_id)
    reader, writer = await asyncio.open_connection("127.0.0.1", stack.settings.http_port,
                                                   limit=1 << 24)
    lines = [f"GET /api/qr/bulk-generate/{bulk_id}/result?format=zip HTTP/1.1",
             "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in api.tenant.headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"Transfer-Encoding: chunked" in head
    body = await reader.readuntil(b"\r\n0\r\n\r\n")  # the last chunk
    writer.close()
    assert b"PK\x05\x06" in body[-40:]
    await api.wait_consumed(bulk_id)
    assert await deleted(store, result_key(bulk_id))
