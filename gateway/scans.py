"""Count scans off the redirect path: tallied in memory, flushed to the broker every second.

A redirect only bumps dict entries: the scanned code's total, and its record's bucket
(hour, source, device, OS, browser, country, referrer). Once a second the tallies go out
as one numbered batch on the scans queue, whose single active consumer (in a worker)
applies each batch once. A batch that could not be published is sent again, unchanged,
before newer ones. A gateway crash loses at most one second of counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import AsyncIterator

import structlog
from aiohttp import web

from gateway.resources import BROKER, SETTINGS
from shared import amqp
from shared.analytics.classify import Traits
from shared.analytics.tally import Cell, TallyBatch, hour_of
from shared.errors import PublishFailed
from shared.schemas import ScanEvent

log = structlog.get_logger(__name__)
FLUSH_EVERY_S = 1.0
MAX_UNSENT_BATCHES = 600  # ten minutes of a broker outage; older batches are dropped
KEEP_SENT_S = 60.0  # sent batches a worker may not have applied yet (for maxScans)
CellKey = tuple[str, str, int, Traits]


class ScanCounter:
    def __init__(self) -> None:
        self.gateway = secrets.token_hex(8)
        self._seq = 0
        self._counts: dict[str, list[int]] = {}
        self._cells: dict[CellKey, int] = {}
        self.unsent: list[TallyBatch] = []
        self.sent: list[tuple[float, TallyBatch]] = []  # (monotonic s, batch), recent only

    def add(self, code: str, at_ms: int, record: str = "", source: str = "",
            traits: Traits | None = None) -> None:
        entry = self._counts.get(code)
        if entry is None:
            self._counts[code] = [1, at_ms]
        else:
            entry[0] += 1
            entry[1] = max(entry[1], at_ms)
        if traits is not None:
            key = (record, source, hour_of(at_ms), traits)
            self._cells[key] = self._cells.get(key, 0) + 1

    def pending(self, code: str, applied_seq: int) -> int:
        """Scans of `code` counted here that its document has not taken yet: it has taken
        this gateway's batches up to `applied_seq`."""
        batches = [b for _, b in self.sent if b.seq > applied_seq] + self.unsent
        sent = sum(e.count for batch in batches for e in batch.links if e.code == code)
        return sent + (self._counts[code][0] if code in self._counts else 0)

    def forget_sent(self, older_than_s: float) -> None:
        self.sent = [(at, batch) for at, batch in self.sent if at >= older_than_s]

    def take(self) -> TallyBatch | None:
        """The tallies since the last take as the next numbered batch (None: no scans)."""
        if not self._counts:
            return None
        counts, self._counts = self._counts, {}
        cells, self._cells = self._cells, {}
        self._seq += 1
        return TallyBatch(
            gateway=self.gateway, seq=self._seq,
            links=[ScanEvent(code=c, count=n, lastScanMs=t) for c, (n, t) in counts.items()],
            cells=[Cell(record=r, source=s, hour=h, count=n, **vars(t))
                   for (r, s, h, t), n in cells.items()])


SCANS = web.AppKey("scans", ScanCounter)


async def flush(app: web.Application) -> None:
    counter = app[SCANS]
    batch = counter.take()
    if batch is not None:
        counter.unsent.append(batch)
    del counter.unsent[:-MAX_UNSENT_BATCHES]
    while counter.unsent:
        body = counter.unsent[0].model_dump_json(by_alias=True).encode()
        try:
            await amqp.publish(app[BROKER].topology.work, amqp.SCAN_KEY, body,
                               timeout_s=app[SETTINGS].publish_timeout_s)
        except PublishFailed as exc:  # sent again, unchanged, next second
            log.warning("scan counts not published yet", batches=len(counter.unsent),
                        error=str(exc))
            return
        counter.sent.append((time.monotonic(), counter.unsent.pop(0)))
    counter.forget_sent(time.monotonic() - KEEP_SENT_S)


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
