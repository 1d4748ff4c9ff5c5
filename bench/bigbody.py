"""`python -m bench.bigbody`: one gateway accepting a 25 MB body of tiny rows, while redirects run.

Measures the gateway's RSS above idle (sampled every 10 ms), the time to answer the POST,
the latency of redirects served by the same gateway during the POST (one every 5 ms,
sent from another process), and where the POST's time went inside the gateway (its
request line's read_ms, parse_ms, uid_sort_ms and store_ms), with the load average.
Needs the local servers; starts its own gateway and no worker (the batch stays queued).
"""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import os
import statistics
import sys
import threading
import time
from typing import Any

import aiohttp
import orjson
import psutil

from bench.e2e import deploy
from shared.settings import Settings
from tests.processes import Process
from tests.servers import start_local_servers

MB = 1024 * 1024
REDIRECT_GAP_S = 0.005


def tiny_rows_body(max_bytes: int = 25 * MB - 1024) -> tuple[bytes, int]:
    """`{"uid":N}` rows with distinct uids, as many as fit under `max_bytes`."""
    pieces, size, n = [], 1, 0
    while size < max_bytes - 20:
        piece = b'{"uid":%d}' % n
        pieces.append(piece)
        size += len(piece) + 1
        n += 1
    return b"[" + b",".join(pieces) + b"]", n


class RssPeak(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process, self.peak_bytes, self.done = psutil.Process(pid), 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.01):
            self.peak_bytes = max(self.peak_bytes, self.process.memory_info().rss)


async def redirects(url: str, path: str, stop: Any) -> list[tuple[float, float]]:
    """(start, seconds) of one redirect every REDIRECT_GAP_S until `stop` is set."""
    latencies: list[tuple[float, float]] = []
    async with aiohttp.ClientSession(url) as http:
        async def one() -> None:
            started = time.time()
            async with http.get(path, allow_redirects=False) as answer:
                assert answer.status == 302
            latencies.append((started, time.time() - started))

        tasks = []
        while not stop.is_set():
            tasks.append(asyncio.create_task(one()))
            await asyncio.sleep(REDIRECT_GAP_S)
        await asyncio.gather(*tasks)
    return latencies


def redirect_process(url: str, path: str, stop: Any, out: Any) -> None:
    """The redirect load, in its own process so the POST's client cannot slow it."""
    out.send(asyncio.run(redirects(url, path, stop)))


SPLIT_FIELDS = ("read_ms", "parse_ms", "uid_sort_ms", "store_ms", "duration_ms")


def inside_split(gateway: Process) -> dict[str, Any]:
    """The timings of the gateway's last bulk-generate request line."""
    for line in reversed(gateway.log_text().splitlines()):
        if '"parse_ms"' in line:
            fields = orjson.loads(line)
            return {name: fields.get(name) for name in SPLIT_FIELDS}
    return {}


async def measure(url: str, headers: dict[str, str], pid: int, body: bytes) -> dict[str, Any]:
    async with aiohttp.ClientSession(url) as http:
        async with http.post("/api/qr/generate", headers=headers, json={
                "uid": "bench", "qrType": "dynamic", "data": "https://example.com/"}) as made:
            path = "/r/" + (await made.json())["url"].rsplit("/r/", 1)[1]
        for _ in range(50):  # warm the link cache and the connection pool
            async with http.get(path, allow_redirects=False):
                pass
        await asyncio.sleep(1)
        idle_bytes = psutil.Process(pid).memory_info().rss
        peak, stop = RssPeak(pid), multiprocessing.Event()
        peak.start()
        receive, send = multiprocessing.Pipe(duplex=False)
        load = multiprocessing.Process(target=redirect_process, args=(url, path, stop, send))
        load.start()
        await asyncio.sleep(1)
        load_before = os.getloadavg()[0]
        cpu_before = psutil.Process(pid).cpu_times()
        started, wall_started = time.perf_counter(), time.time()
        async with http.post("/api/qr/bulk-generate", data=io.BytesIO(body), headers={
                **headers, "Content-Type": "application/json"}) as answer:
            reply = await answer.text()
        answer_s = time.perf_counter() - started
        cpu_after = psutil.Process(pid).cpu_times()
        stop.set()
        timed = await asyncio.to_thread(receive.recv)
        load.join()
        latencies = sorted(s for t, s in timed if wall_started <= t <= wall_started + answer_s)
        peak.done.set()
        peak.join()
        await asyncio.sleep(3)
        after_bytes = psutil.Process(pid).memory_info().rss
    cpu_s = (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)
    return {"status": answer.status, "reply": reply[:80], "answer_s": round(answer_s, 3),
            "gateway_cpu_s": round(cpu_s, 3),
            "load_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "idle_rss_mb": round(idle_bytes / MB, 1),
            "peak_rss_above_idle_mb": round((peak.peak_bytes - idle_bytes) / MB, 1),
            "rss_3s_after_above_idle_mb": round((after_bytes - idle_bytes) / MB, 1),
            "redirects": len(latencies),
            "redirect_p50_ms": round(statistics.median(latencies) * 1000, 1),
            "redirect_p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
            "redirect_max_ms": round(latencies[-1] * 1000, 1)}


async def measure_all(base: Settings) -> list[dict[str, Any]]:
    """Both bodies (distinct uids; one uid repeated) on a fresh gateway, one line each."""
    deployment = await deploy(base, 0)
    results = []
    try:
        body, rows = tiny_rows_body()
        duplicates = b"[" + b",".join([b'{"uid":1}'] * ((25 * MB - 1024) // 10)) + b"]"
        for name, text, count in (("distinct uids", body, rows),
                                  ("one uid repeated", duplicates, duplicates.count(b"{"))):
            figures = await measure(deployment.url, deployment.headers, deployment.gateway.pid,
                                    text)
            figures |= {"body": name, "rows": count, "body_mb": round(len(text) / MB, 2),
                        **inside_split(deployment.gateway)}
            sys.stdout.write(orjson.dumps(figures).decode() + "\n")
            sys.stdout.flush()
            results.append(figures)
    finally:
        deployment.stop()
    return results


async def main() -> None:
    start_local_servers()
    await measure_all(Settings())


if __name__ == "__main__":
    asyncio.run(main())
