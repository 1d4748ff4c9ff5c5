"""Watch a gateway from a process of its own: its RSS every 10 ms and /healthz every 50 ms.

The watcher runs apart from the test so that the test's own client (sending big bodies,
say) neither delays the health probes nor the memory samples it reports.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

import aiohttp

RSS_EVERY_S = 0.01
HEALTH_EVERY_S = 0.05
HEALTH_TIMEOUT_S = 5.0
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/statm", "rb") as statm:
        return int(statm.read().split()[1]) * PAGE_BYTES


@dataclass
class Watched:
    """What the watcher saw: (wall time, RSS bytes) and (wall time, /healthz seconds,
    status; 0 when the probe failed)."""

    rss: list[tuple[float, int]] = field(default_factory=list)
    health: list[tuple[float, float, int]] = field(default_factory=list)

    @property
    def peak_rss_bytes(self) -> int:
        return max(rss for _, rss in self.rss)

    @property
    def slowest_health_s(self) -> float:
        return max(seconds for _, seconds, _ in self.health)


class GatewayWatch:
    """`with GatewayWatch(pid, url) as watch:` ... then `watch.seen` holds the samples."""

    def __init__(self, pid: int, url: str) -> None:
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_watch, args=(pid, url, self._stop, send), daemon=True
        )
        self.seen = Watched()

    def __enter__(self) -> GatewayWatch:
        self._process.start()
        if not self._receive.poll(30):  # the watcher says when its first probe answered
            raise RuntimeError("the gateway watcher did not start")
        self._receive.recv()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._receive.poll(30):
            self.seen = self._receive.recv()
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()


def _watch(pid: int, url: str, stop: Any, out: Connection) -> None:
    seen = Watched()
    sampler = threading.Thread(target=_sample_rss, args=(pid, stop, seen.rss), daemon=True)
    sampler.start()
    asyncio.run(_probe_health(url, stop, seen.health, out))
    sampler.join()
    out.send(seen)


def _sample_rss(pid: int, stop: Any, samples: list[tuple[float, int]]) -> None:
    while not stop.is_set():
        samples.append((time.time(), rss_bytes(pid)))
        time.sleep(RSS_EVERY_S)


async def _probe_health(
    url: str, stop: Any, samples: list[tuple[float, float, int]], out: Connection
) -> None:
    timeout = aiohttp.ClientTimeout(total=HEALTH_TIMEOUT_S)
    async with aiohttp.ClientSession(url, timeout=timeout) as http:
        samples.append(await _one_probe(http))
        out.send("started")
        while not stop.is_set():
            await asyncio.sleep(HEALTH_EVERY_S)
            samples.append(await _one_probe(http))


async def _one_probe(http: aiohttp.ClientSession) -> tuple[float, float, int]:
    started_wall, started = time.time(), time.perf_counter()
    try:
        async with http.get("/healthz") as answer:
            await answer.read()
            status = answer.status
    except (aiohttp.ClientError, TimeoutError):
        status = 0
    return started_wall, time.perf_counter() - started, status
