"""Small helpers the fault scenarios share: tenants, batches and waiting for progress."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from shared.settings import Settings
from shared.store import Database, open_client
from tests.api import Api, Tenant, new_tenant
from tests.faults.checker import Batch


def secured_rows(tag: str, count: int) -> list[dict[str, Any]]:
    """Dynamic rows with a password: each costs a few ms of hashing, so chunks take a
    while and a fault lands mid-chunk."""
    return [{"uid": f"{tag}-{i}", "qrType": "dynamic", "data": f"https://example.com/{tag}/{i}",
             "secure": [{"type": "password", "value": f"pw{i}"}]} for i in range(count)]


def mixed_rows(tag: str, count: int) -> list[dict[str, Any]]:
    return [{"uid": f"{tag}-{i}", "qrType": "dynamic" if i % 2 else "static",
             "data": f"https://example.com/{tag}/{i}"} for i in range(count)]


async def until(condition: Callable[[], Awaitable[bool]], timeout_s: float,
                what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        await asyncio.sleep(0.05)


class Session:
    """A tenant on a cluster, with an HTTP session and a database handle."""

    def __init__(self, settings: Settings, url: str) -> None:
        self.settings, self.url = settings, url
        self.mongo = open_client(settings)
        self.db: Database = self.mongo[settings.mongo_db]
        self.http = aiohttp.ClientSession(url, timeout=aiohttp.ClientTimeout(total=60))
        self.tenant: Tenant | None = None

    async def open(self, qr_limit: int = 100_000) -> Api:
        self.tenant = await new_tenant(self.db, qr_limit)
        return Api(self.http, self.tenant)

    async def submit(self, api: Api, rows: list[dict[str, Any]]) -> Batch:
        return Batch(await api.submit(rows), rows)

    async def close(self) -> None:
        await self.http.close()
        await self.mongo.close()
