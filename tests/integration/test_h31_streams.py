"""Issue 31 item 10: a failure after a streamed answer started cuts the connection."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from shared.links import bulk_shards
from shared.orders import get_owned_order
from shared.settings import Settings
from shared.store import Database, links_collection
from tests.api import Api

ROWS = 600  # more than the export's page of 500: the first page is sent before the bad one
EOF_WAIT_S = 10.0


async def batch_with_a_broken_link(api: Api, db: Database, settings: Settings) -> str:
    """A finished batch of ROWS links, plus one stored link the export cannot read (its
    createdAt is not a number), after every real row of the batch's last shard."""
    rows = [{"uid": f"item-{n}", "qrType": "dynamic", "data": f"https://example.com/p/{n}"}
            for n in range(ROWS)]
    bulk_id = await api.submit(rows)
    await api.wait_completed(bulk_id)
    order = await get_owned_order(db, bulk_id, api.tenant.client_id)
    shard = bulk_shards(bulk_id, order.chunks, settings.link_shards)[-1]
    await db[links_collection(shard)].insert_one({
        "_id": f"zz{bulk_id[-10:]}", "subscription": api.tenant.client_id,
        "bulkId": bulk_id, "row": 10**6, "uid": "broken", "destination": "https://e.com/",
        "createdAt": "not a number",
    })
    return bulk_id


async def raw_get(port: int, path: str, headers: dict[str, str]) -> bytes:
    """Everything the gateway sends for one keep-alive GET, up to its closing the
    connection; a connection still open after EOF_WAIT_S fails the test."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in
                                                         headers.items())]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(-1), EOF_WAIT_S)
    except TimeoutError:
        raise AssertionError("the connection was kept open after the stream failed") from None
    finally:
        writer.close()


def has_last_chunk(body: bytes) -> bool:
    """Whether a chunked body reaches its zero-size last chunk. Walking the framing is the
    only sound test: the data itself may end in b"0\r\n" (a CSV row whose last field is a
    timestamp ending in 0 did, once in ten runs)."""
    at = 0
    while at < len(body):
        size_end = body.find(b"\r\n", at)
        if size_end < 0:
            return False
        size = int(body[at:size_end].split(b";")[0], 16)
        if size == 0:
            return True
        at = size_end + 2 + size + 2
    return False


@pytest.mark.parametrize("fmt", ["csv", "json"])
async def test_export_failing_midway_cuts_the_connection(
        api: Api, db: Database, settings: Settings, fmt: str) -> None:
    bulk_id = await batch_with_a_broken_link(api, db, settings)
    path = f"/api/qr/bulk-generate/{bulk_id}/links?format={fmt}"
    sent = await raw_get(settings.http_port, path, api.tenant.headers)
    head, _, body = sent.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 "), head
    assert b"transfer-encoding: chunked" in head.lower(), head
    assert body.count(b"item-") >= 500, "the first page was not streamed before the failure"
    assert b"HTTP/1.1" not in body, body[-400:]  # no second answer inside the body
    assert not has_last_chunk(body), "the cut body ends like a complete one"


async def test_a_client_sees_the_cut_and_the_service_goes_on(
        api: Api, db: Database, settings: Settings) -> None:
    bulk_id = await batch_with_a_broken_link(api, db, settings)
    route = f"/api/qr/bulk-generate/{bulk_id}/links"
    with pytest.raises(aiohttp.ClientPayloadError):
        async with api.http.get(route, params={"format": "csv"}, headers=api.tenant.headers,
                                timeout=aiohttp.ClientTimeout(sock_read=EOF_WAIT_S)) as answer:
            assert answer.status == 200
            await answer.read()
    async with api.http.get(f"/api/qr/bulk-generate/{bulk_id}",
                            headers=api.tenant.headers) as status:
        assert status.status == 200
