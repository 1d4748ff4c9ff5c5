"""The download claim is renewed while a download runs: a short TTL frees the archive soon
after a gateway dies mid-download (tests/faults/test_cluster_rollout.py), yet a slow
download by a live gateway keeps it for as long as it takes."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import pytest

from shared.keys import download_claim
from shared.settings import Settings
from shared.store.claims import find_claim
from shared.store.client import Database
from tests.api import Api, parse_archive
from tests.conftest import Stack
from tests.processes import free_port, start_gateway, stopped_at_end

TTL_S = 1.0
ROWS = [{"uid": f"claim-{i}", "data": f"https://example.com/claim/{i}"} for i in range(200)]


@pytest.fixture
def short_ttl_gateway(settings: Settings, stack: Stack) -> Iterator[Stack]:
    """A second gateway of the session's stack whose download claims last one second."""
    port = free_port()
    own = settings.model_copy(update={"http_port": port, "public_url": f"http://127.0.0.1:{port}",
                                      "download_claim_ttl_s": TTL_S})
    with stopped_at_end() as processes:
        processes.append(start_gateway(own, f"claim-ttl-{port}-gateway"))
        yield Stack(own, processes[0], [])


async def test_a_download_slower_than_the_ttl_keeps_its_claim(
        api: Api, db: Database, short_ttl_gateway: Stack) -> None:
    bulk_id = await api.submit(ROWS)
    await api.wait_completed(bulk_id)
    reader, writer = await _slow_get(short_ttl_gateway.settings.http_port,
                                     f"/api/qr/bulk-generate/{bulk_id}/result", api)
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head[:200]
    stalled_until = time.monotonic() + 4 * TTL_S  # the client reads nothing meanwhile
    while time.monotonic() < stalled_until:
        claim = await find_claim(db, download_claim(bulk_id))
        assert claim is not None and not claim.is_expired(time.time()), claim
        await asyncio.sleep(TTL_S / 4)
    assert (await api.download(bulk_id))[0] == 410  # held, not lapsed: no second download
    body = await reader.read()
    writer.close()
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length")))
    assert len(body) == length and len(parse_archive(body)) == len(ROWS)
    await api.wait_consumed(bulk_id)
    assert (await api.download(bulk_id))[0] == 410


async def _slow_get(port: int, path: str, api: Api
                    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A GET whose small receive buffer stalls the server's writes while nothing is read."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    # A small limit pauses the transport: asyncio stops reading once 8 KB wait unread.
    reader, writer = await asyncio.open_connection(sock=sock, limit=4096)
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in api.tenant.headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    return reader, writer
