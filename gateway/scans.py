"""Count scans off the redirect path: tallied in memory, flushed to the broker every second.

A redirect only bumps a dict entry. Once a second the tallies go out as one message on
the scans queue, whose single active consumer (in a worker) applies them, so counters
have one writer and never lose increments. A gateway crash loses at most one second of
counts.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import orjson
import structlog
from aiohttp import web

from gateway.resources import BROKER, SETTINGS
from shared import amqp
from shared.errors import PublishFailed

log = structlog.get_logger(__name__)
FLUSH_EVERY_S = 1.0


class ScanCounter:
    def __init__(self) -> None:
        self._counts: dict[str, list[int]] = {}

    def add(self, code: str, at_ms: int) -> None:
        entry = self._counts.get(code)
        if entry is None:
            self._counts[code] = [1, at_ms]
        else:
            entry[0] += 1
            entry[1] = max(entry[1], at_ms)

    def take(self) -> dict[str, list[int]]:
        """The tallies since the last take: code → [count, last scan ms]."""
        counts, self._counts = self._counts, {}
        return counts

    def put_back(self, counts: dict[str, list[int]]) -> None:
        for code, (count, last_ms) in counts.items():
            entry = self._counts.setdefault(code, [0, last_ms])
            entry[0] += count
            entry[1] = max(entry[1], last_ms)


def scan_events(counts: dict[str, list[int]]) -> bytes:
    return orjson.dumps([{"code": c, "count": n, "lastScanMs": t}
                         for c, (n, t) in counts.items()])


SCANS = web.AppKey("scans", ScanCounter)


async def flush(app: web.Application) -> None:
    counts = app[SCANS].take()
    if not counts:
        return
    try:
        await amqp.publish(app[BROKER].topology.work, amqp.SCAN_KEY, scan_events(counts),
                           timeout_s=app[SETTINGS].publish_timeout_s)
    except PublishFailed as exc:
        app[SCANS].put_back(counts)  # try again next second
        log.warning("scan counts not published yet", codes=len(counts), error=str(exc))


async def scans_ctx(app: web.Application) -> AsyncIterator[None]:
    app[SCANS] = ScanCounter()

    async def loop() -> None:
        while True:
            await asyncio.sleep(FLUSH_EVERY_S)
            await flush(app)

    task = asyncio.create_task(loop())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await flush(app)
