"""Each gateway's cache of batches' bulk-change overlays, applied to every link it reads."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator

import structlog
from aiohttp import web

from gateway.resources import DB
from shared.linkdoc import Link
from shared.overlays import Overlay, apply_overlays
from shared.store.client import Database
from shared.store.overlays import find_overlays

log = structlog.get_logger(__name__)


class OverlayCache:
    """bulkId → its overlays (most batches have none). An entry is read once (concurrent
    readers share the read), served until a change to its batch is announced, and re-read
    in the background every `ttl_s` as a safety net, so a redirect waits on the store only
    the first time a gateway meets a batch. Past `max_batches` the least recent go."""

    def __init__(self, db: Database, max_batches: int = 10_000, ttl_s: float = 60.0) -> None:
        self._db, self._max, self._ttl_s = db, max_batches, ttl_s
        self._entries: OrderedDict[str, tuple[float, list[Overlay]]] = OrderedDict()
        self._reads: dict[str, asyncio.Task[list[Overlay]]] = {}
        self._generation: dict[str, int] = {}  # changes announced per batch

    async def of(self, bulk_id: str) -> list[Overlay]:
        entry = self._entries.get(bulk_id)
        if entry is None:
            return await self._read(bulk_id)
        self._entries.move_to_end(bulk_id)
        if entry[0] < time.monotonic() and bulk_id not in self._reads:
            self._start_read(bulk_id)
        return entry[1]

    def _start_read(self, bulk_id: str) -> asyncio.Task[list[Overlay]]:
        task = asyncio.get_running_loop().create_task(self._fetch(bulk_id))
        self._reads[bulk_id] = task
        task.add_done_callback(lambda done: self._forget_read(bulk_id, done))
        return task

    def _forget_read(self, bulk_id: str, task: asyncio.Task[list[Overlay]]) -> None:
        if self._reads.get(bulk_id) is task:
            del self._reads[bulk_id]
        if not task.cancelled() and task.exception() is not None:  # a waiter saw it, if any
            log.warning("overlays not read; the cached ones stay", bulkId=bulk_id,
                        error=str(task.exception()))

    async def _read(self, bulk_id: str) -> list[Overlay]:
        task = self._reads.get(bulk_id) or self._start_read(bulk_id)
        return await asyncio.shield(task)

    async def _fetch(self, bulk_id: str) -> list[Overlay]:
        started = self._generation.get(bulk_id, 0)
        overlays = await find_overlays(self._db, bulk_id)
        if self._generation.get(bulk_id, 0) == started:  # no change announced meanwhile
            self._entries[bulk_id] = (time.monotonic() + self._ttl_s, overlays)
            self._entries.move_to_end(bulk_id)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return overlays

    async def apply(self, links: list[Link]) -> list[Link]:
        """The links as readers see them, their batches' overlays applied."""
        by_bulk = {bulk_id: await self.of(bulk_id) for bulk_id in {k.bulk_id for k in links}}
        return [apply_overlays(link, by_bulk[link.bulk_id]) if by_bulk[link.bulk_id] else link
                for link in links]

    async def apply_one(self, link: Link) -> Link:
        overlays = await self.of(link.bulk_id)
        return apply_overlays(link, overlays) if overlays else link

    def invalidate(self, bulk_id: str) -> None:
        """Forget the batch's overlays; a read already under way is not kept either."""
        self._entries.pop(bulk_id, None)
        self._reads.pop(bulk_id, None)
        self._generation[bulk_id] = self._generation.get(bulk_id, 0) + 1


OVERLAYS = web.AppKey("overlays", OverlayCache)


async def overlays_ctx(app: web.Application) -> AsyncIterator[None]:
    """The cache, once the document store is open (after mongo_ctx)."""
    app[OVERLAYS] = OverlayCache(app[DB])
    yield
