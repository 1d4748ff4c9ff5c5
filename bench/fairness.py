"""Fair scheduling measured: a small batch idle and behind a big one; the window's cost."""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass
from typing import Any

import aiohttp
import orjson

from bench.e2e import Deployment, deploy
from shared.settings import Settings
from shared.store import open_client
from shared.subscriptions import create_subscription

SMALL_ROWS = 300
NO_WINDOW_CHUNKS = 1000  # more than any batch here has: every chunk published at once


@dataclass
class Fairness:
    small_idle_s: float
    small_behind_s: float
    big_rows: int
    big_with_small_s: float
    throughput_rows: int
    windowed_rows_per_s: float
    unwindowed_rows_per_s: float

    @property
    def behind_target_s(self) -> float:
        """The target: behind a big batch, at most twice the idle time plus 2 s."""
        return 2 * self.small_idle_s + 2

    @property
    def throughput_ratio(self) -> float:
        return self.windowed_rows_per_s / self.unwindowed_rows_per_s


def static_rows(tag: str, count: int) -> bytes:
    return orjson.dumps([{"uid": i, "data": f"https://example.com/{tag}/{i}"}
                         for i in range(count)])


async def second_tenant(deployment: Deployment) -> dict[str, str]:
    client = open_client(deployment.settings)
    try:
        client_id, api_key = await create_subscription(client[deployment.settings.mongo_db],
                                                       "bench-small", 10**6)
    finally:
        await client.close()
    return {"client-id": client_id, "api-key": api_key}


async def submit(http: aiohttp.ClientSession, headers: dict[str, str], body: bytes) -> str:
    async with http.post("/api/qr/bulk-generate", data=body,
                         headers={**headers, "Content-Type": "application/json"}) as answer:
        assert answer.status == 200, await answer.text()
        return str(await answer.json())


async def completed_after(http: aiohttp.ClientSession, headers: dict[str, str], bulk_id: str,
                          started: float) -> float:
    """Seconds from `started` until the batch reads `completed` (polled every 50 ms)."""
    while True:
        async with http.get(f"/api/qr/bulk-generate/{bulk_id}", headers=headers) as answer:
            if (await answer.json())["status"] == "completed":
                return time.perf_counter() - started
        await asyncio.sleep(0.05)


async def timed_batch(http: aiohttp.ClientSession, headers: dict[str, str], body: bytes
                      ) -> float:
    started = time.perf_counter()
    return await completed_after(http, headers, await submit(http, headers, body), started)


async def small_behind_big(deployment: Deployment, big_rows: int) -> tuple[float, float, float]:
    """The small batch idle, then posted one second after another tenant's big batch."""
    small_headers = await second_tenant(deployment)
    small = static_rows("small", SMALL_ROWS)
    timeout = aiohttp.ClientTimeout(total=3600)
    async with aiohttp.ClientSession(deployment.url, timeout=timeout) as http:
        await timed_batch(http, small_headers, small)  # warm-up: render processes start
        idle_s = await timed_batch(http, small_headers, small)
        big_started = time.perf_counter()
        big_id = await submit(http, deployment.headers, static_rows("big", big_rows))
        await asyncio.sleep(1.0)
        behind_s = await timed_batch(http, small_headers, small)
        big_s = await completed_after(http, deployment.headers, big_id, big_started)
    return idle_s, behind_s, big_s


async def rows_per_s(deployment: Deployment, rows: int) -> float:
    timeout = aiohttp.ClientTimeout(total=3600)
    async with aiohttp.ClientSession(deployment.url, timeout=timeout) as http:
        return rows / await timed_batch(http, deployment.headers, static_rows("alone", rows))


async def measure(base: Settings, big_rows: int, throughput_rows: int, workers: int = 2
                  ) -> dict[str, Any]:
    windowed = await deploy(base, workers)
    try:
        idle_s, behind_s, big_s = await small_behind_big(windowed, big_rows)
        with_window = await rows_per_s(windowed, throughput_rows)
    finally:
        windowed.stop()
    unwindowed = await deploy(base.model_copy(update={"window_chunks": NO_WINDOW_CHUNKS}),
                              workers)
    try:
        without_window = await rows_per_s(unwindowed, throughput_rows)
    finally:
        unwindowed.stop()
    figures = Fairness(idle_s, behind_s, big_rows, big_s, throughput_rows, with_window,
                       without_window)
    print(f"fairness: {SMALL_ROWS} rows idle {idle_s:.1f} s, behind {big_rows:,} rows "
          f"{behind_s:.1f} s (target ≤ {figures.behind_target_s:.1f} s; the big batch took "
          f"{big_s:.1f} s); {throughput_rows:,} rows alone {with_window:.0f} rows/s with the "
          f"window, {without_window:.0f} without (ratio {figures.throughput_ratio:.3f})",
          flush=True)
    return asdict(figures) | {"behind_target_s": figures.behind_target_s,
                              "throughput_ratio": figures.throughput_ratio}
