"""A small test client for the bulk API, and helpers to read archives and decode images."""

from __future__ import annotations

import asyncio
import base64
import io
import socket
import struct
import time
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
import zxingcpp
from PIL import Image

from shared.store import Database
from shared.subscriptions import create_subscription


@dataclass(frozen=True)
class Tenant:
    client_id: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"client-id": self.client_id, "api-key": self.api_key}


async def new_tenant(db: Database, qr_limit: int = 1000) -> Tenant:
    """A fresh subscription for one test."""
    client_id, api_key = await create_subscription(db, f"test-{uuid.uuid4().hex[:6]}", qr_limit)
    return Tenant(client_id, api_key)


class Api:
    def __init__(self, http: aiohttp.ClientSession, tenant: Tenant) -> None:
        self.http, self.tenant = http, tenant

    async def submit(self, rows: Any) -> str:
        async with self.http.post(
            "/api/qr/bulk-generate", json=rows, headers=self.tenant.headers
        ) as answer:
            body = await answer.text()
            assert answer.status == 200, body
            bulk_id = orjson.loads(body)
            assert isinstance(bulk_id, str)
            return bulk_id

    async def status(self, bulk_id: str) -> dict[str, Any]:
        async with self.http.get(
            f"/api/qr/bulk-generate/{bulk_id}", headers=self.tenant.headers
        ) as answer:
            assert answer.status == 200, await answer.text()
            doc: dict[str, Any] = await answer.json()
            return doc

    async def wait_completed(self, bulk_id: str, timeout_s: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            doc = await self.status(bulk_id)
            if doc["status"] != "processing":
                return doc
            await asyncio.sleep(0.2)
        raise AssertionError(f"{bulk_id} still processing after {timeout_s}s")

    async def wait_consumed(self, bulk_id: str, timeout_s: float = 10) -> None:
        """The gateway marks an archive downloaded just after the client has its last byte."""
        deadline = time.monotonic() + timeout_s
        while (await self.status(bulk_id))["status"] != "resultDownloaded":
            assert time.monotonic() < deadline, f"{bulk_id} never became resultDownloaded"
            await asyncio.sleep(0.05)

    async def download(
        self, bulk_id: str, fmt: str | None = None, **query: str
    ) -> tuple[int, bytes]:
        params = query if fmt is None else {"format": fmt, **query}
        async with self.http.get(
            f"/api/qr/bulk-generate/{bulk_id}/result", params=params, headers=self.tenant.headers
        ) as answer:
            return answer.status, await answer.read()

    async def archive(self, bulk_id: str) -> list[Any]:
        """Wait for completion, download once, and parse the archive."""
        await self.wait_completed(bulk_id)
        status, body = await self.download(bulk_id)
        assert status == 200, body
        return parse_archive(body)


def parse_archive(body: bytes) -> list[Any]:
    """The archive is a JSON string holding the JSON array of entries."""
    text = orjson.loads(body)
    assert isinstance(text, str)
    entries = orjson.loads(text)
    assert isinstance(entries, list)
    return entries


def decode_data_uri(uri: str) -> str:
    """The text a QR image (PNG data URI) decodes to, read back with zxing-cpp."""
    header, _, payload = uri.partition(",")
    assert header == "data:image/png;base64", header
    image = Image.open(io.BytesIO(base64.b64decode(payload))).convert("L")
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1, f"expected one QR code, found {len(found)}"
    return str(found[0].text)


async def abort_download(port: int, path: str, headers: dict[str, str], read_bytes: int) -> bytes:
    """Start a GET, read `read_bytes` of the answer, then reset the connection.

    The socket's receive buffer is kept small so the server is still writing when the
    connection dies, as with a client that loses its network mid-download.
    """
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    reader, writer = await asyncio.open_connection(sock=sock)
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    received = await reader.readexactly(read_bytes)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
    return received


async def worst_health_s(http: aiohttp.ClientSession, load: Awaitable[Any]
                         ) -> tuple[float, Any]:
    """Poll /healthz every 20 ms while `load` runs: the slowest answer, and what `load` gave."""
    task = asyncio.ensure_future(load)
    worst_s = 0.0
    while not task.done():
        started = time.monotonic()
        async with http.get("/healthz") as health:
            assert health.status == 200
        worst_s = max(worst_s, time.monotonic() - started)
        await asyncio.sleep(0.02)
    return worst_s, await task
