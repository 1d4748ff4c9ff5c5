"""BulkQRSyncClient: the same calls without async, each run to completion on a private loop."""

from __future__ import annotations

import asyncio
import builtins
import os
from pathlib import Path
from types import TracebackType

from client.aio import BulkQRClient, OnBytes, OnStatus, Rows
from client.config import ClientConfig
from client.models import BulkStatus, Page


class BulkQRSyncClient:
    """For scripts and notebooks without a running event loop. Use `with`, or `close()`."""

    def __init__(self, config: ClientConfig) -> None:
        self._runner = asyncio.Runner()
        self._client = BulkQRClient(config)
        self._closed = False

    def __enter__(self) -> BulkQRSyncClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._runner.run(self._client.close())
        self._runner.close()

    def submit(self, rows: Rows, *, idempotency_key: str | None = None) -> str:
        return self._runner.run(self._client.submit(rows, idempotency_key=idempotency_key))

    def status(self, bulk_id: str) -> BulkStatus:
        return self._runner.run(self._client.status(bulk_id))

    def wait(self, bulk_id: str, *, timeout_s: float | None = None,
             on_progress: OnStatus | None = None) -> BulkStatus:
        return self._runner.run(self._client.wait(bulk_id, timeout_s=timeout_s,
                                                  on_progress=on_progress))

    def download(self, bulk_id: str, dest: str | os.PathLike[str], *, name: str | None = None,
                 on_progress: OnBytes | None = None) -> Path:
        return self._runner.run(self._client.download(bulk_id, dest, name=name,
                                                      on_progress=on_progress))

    def list_page(self, *, limit: int = 20, cursor: str | None = None) -> Page:
        return self._runner.run(self._client.list_page(limit=limit, cursor=cursor))

    def list(self, *, page_size: int = 20) -> builtins.list[BulkStatus]:
        """Every bulk of the caller, newest first (all pages, collected)."""

        async def collect() -> builtins.list[BulkStatus]:
            return [item async for item in self._client.list(page_size=page_size)]

        return self._runner.run(collect())
