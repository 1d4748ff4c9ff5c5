"""End to end: POST a batch, wait for `completed`, and record time, throughput and peak RSS."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson
import psutil

from shared.settings import Settings
from shared.store import open_client
from shared.subscriptions import create_subscription
from tests.processes import Process, free_port, removed_at_end, start_gateway, start_worker


def dynamic_rows(count: int) -> list[dict[str, Any]]:
    return [{"uid": f"r{i:06d}", "qrType": "dynamic",
             "data": f"https://example.com/landing/{i:06d}?campaign=spring"}
            for i in range(count)]


class PeakRss:
    """Samples the RSS of processes (with their children) every 100 ms in a thread."""

    def __init__(self, processes: dict[str, int]) -> None:
        self._pids = processes
        self.peak_mb: dict[str, float] = dict.fromkeys(processes, 0.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            for name, pid in self._pids.items():
                try:
                    proc = psutil.Process(pid)
                    rss = proc.memory_info().rss + sum(
                        c.memory_info().rss for c in proc.children(recursive=True))
                except psutil.Error:
                    continue
                self.peak_mb[name] = max(self.peak_mb[name], rss / 2**20)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Deployment:
    settings: Settings
    gateway: Process
    workers: list[Process]
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.http_port}"

    def pids(self) -> dict[str, int]:
        pids = {"gateway": self.gateway.pid}
        pids |= {f"worker{i}": w.pid for i, w in enumerate(self.workers)}
        return pids

    def stop(self) -> None:
        """Stop its processes, then delete its queues and exchanges and drop its databases
        (a run's own: left behind, they slow every later run)."""
        with removed_at_end(self.settings, databases=True) as processes:
            processes.extend([self.gateway, *self.workers])


async def deploy(base: Settings, workers: int, render_processes: int = 1) -> Deployment:
    """Gateway and `workers` workers on fresh names; `render_processes` 0 is the default
    of `make run` (one per core)."""
    tag = uuid.uuid4().hex[:6]
    port = free_port()
    settings = base.model_copy(update={
        "mongo_db": f"bench_{tag}", "queue_prefix": f"bench-{tag}", "s3_bucket": f"bench-{tag}",
        "http_port": port, "public_url": f"http://127.0.0.1:{port}", "worker_metrics_port": 0,
        "render_processes": render_processes})
    started: list[Process] = []
    try:
        started.append(start_gateway(settings, f"bench-{tag}-gateway"))
        for i in range(workers):
            started.append(start_worker(settings, f"bench-{tag}-worker-{i}"))
        headers = await subscribe(settings)
    except BaseException:  # a start that failed, or a Ctrl-C: what started is removed
        with removed_at_end(settings, databases=True) as processes:
            processes.extend(started)
        raise
    return Deployment(settings, started[0], started[1:], headers)


async def subscribe(settings: Settings) -> dict[str, str]:
    """The headers of a new subscription with room for any bench's rows."""
    client = open_client(settings)
    try:
        client_id, api_key = await create_subscription(client[settings.mongo_db], "bench", 10**7)
    finally:
        await client.close()
    return {"client-id": client_id, "api-key": api_key}


@dataclass
class BatchFigures:
    workers: int
    rows: int
    body_mb: float
    post_s: float
    total_s: float
    peak_rss_mb: dict[str, float]

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.total_s

    @property
    def rows_per_s_per_worker(self) -> float:
        return self.rows_per_s / self.workers


async def run_batch(deployment: Deployment, rows: int,
                    verify: bool = False) -> tuple[BatchFigures, str]:
    body = orjson.dumps(dynamic_rows(rows))
    headers = {**deployment.headers, "Content-Type": "application/json"}
    path = "/api/qr/bulk-generate" + ("?verify=true" if verify else "")
    timeout = aiohttp.ClientTimeout(total=3600)
    with PeakRss(deployment.pids()) as rss:
        async with aiohttp.ClientSession(deployment.url, timeout=timeout) as http:
            started = time.perf_counter()
            async with http.post(path, data=body, headers=headers) as answer:
                assert answer.status == 200, await answer.text()
                bulk_id = str(await answer.json())
            posted = time.perf_counter()
            while True:
                async with http.get(f"/api/qr/bulk-generate/{bulk_id}",
                                    headers=deployment.headers) as answer:
                    if (await answer.json())["status"] == "completed":
                        break
                await asyncio.sleep(0.05)
            finished = time.perf_counter()
    figures = BatchFigures(len(deployment.workers), rows, len(body) / 2**20,
                           posted - started, finished - started, rss.peak_mb)
    return figures, bulk_id
