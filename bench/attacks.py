"""`python -m bench.attacks`: issue 31's memory attacks, bounded, against one gateway, while
another process times /healthz.

Four phases in turn: 20,000 requests for malformed 8,000-character short codes; 20 uploads of
a 4096x4096 smooth-noise JPEG; 20 branded single generates at 4096 px with a logo; 20,000
scans of one code with random Referer hosts. It reports the gateway's RSS at idle, at its
peak and 10 s after the last phase (the process alone, and with its render processes), and
the slowest /healthz answer of each phase. The targets: RSS back within 50 MB of idle, and
/healthz never slower than 500 ms.
"""

from __future__ import annotations

import asyncio
import io
import multiprocessing
import secrets
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import numpy as np
import orjson
import psutil
from PIL import Image

from bench.bigbody import RssPeak
from bench.e2e import Deployment, deploy
from shared.settings import Settings
from tests.servers import start_local_servers

MB = 1024 * 1024
PROBE_GAP_S = 0.05
HEALTHZ_TARGET_MS = 500
RSS_TARGET_MB = 50
CONCURRENCY = 64
Phase = Callable[[aiohttp.ClientSession, dict[str, str]], Awaitable[Counter[int]]]


async def _probe(url: str, stop: Any) -> list[tuple[float, float]]:
    """(wall time, seconds) of a /healthz every PROBE_GAP_S until `stop` is set."""
    timings: list[tuple[float, float]] = []
    async with aiohttp.ClientSession(url) as http:
        while not stop.is_set():
            started = time.time()
            try:
                async with http.get("/healthz") as answer:
                    await answer.read()
            except aiohttp.ClientError:
                pass
            timings.append((started, time.time() - started))
            await asyncio.sleep(PROBE_GAP_S)
    return timings


def probe_process(url: str, stop: Any, out: Any) -> None:
    out.send(asyncio.run(_probe(url, stop)))


async def _many(count: int, one: Callable[[int], Awaitable[int]],
                concurrency: int = CONCURRENCY) -> Counter[int]:
    """Run `one(i)` for i < count, `concurrency` at a time; count the statuses."""
    statuses: Counter[int] = Counter()
    pending = iter(range(count))

    async def lane() -> None:
        for i in pending:
            statuses[await one(i)] += 1

    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return statuses


async def malformed_codes(http: aiohttp.ClientSession, headers: dict[str, str]
                          ) -> Counter[int]:
    async def one(_: int) -> int:
        async with http.get("/r/" + secrets.token_urlsafe(6000)[:8000],
                            allow_redirects=False) as answer:
            return answer.status
    return await _many(20_000, one)


def noise_jpeg(px: int = 4096) -> bytes:
    """Smooth noise: a 64x64 random image scaled up, as a JPEG of under 1 MB."""
    small = np.random.default_rng(31).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    image = Image.fromarray(small).resize((px, px), Image.Resampling.BICUBIC)
    for quality in (90, 80, 70, 60, 50):
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality)
        if out.tell() < MB - 4096:
            return out.getvalue()
    return out.getvalue()


async def big_uploads(http: aiohttp.ClientSession, headers: dict[str, str]) -> Counter[int]:
    body = noise_jpeg()

    async def one(_: int) -> int:
        async with http.post("/api/assets", data=body,
                             headers={**headers, "Content-Type": "image/jpeg"}) as answer:
            return answer.status
    return await _many(20, one, concurrency=4)


def small_logo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "#c62828").save(out, "PNG")
    return out.getvalue()


async def branded_generates(http: aiohttp.ClientSession, headers: dict[str, str]
                            ) -> Counter[int]:
    async with http.post("/api/assets", data=small_logo(),
                         headers={**headers, "Content-Type": "image/png"}) as answer:
        logo = (await answer.json())["assetId"]
    row = {"uid": "big", "data": "https://example.com/attack", "styling": {
        "size": 4096, "logo": logo, "modules": "rounded",
        "gradient": {"type": "radial", "from": "#0d1b4c", "to": "#6a1b9a"}}}

    async def one(_: int) -> int:
        async with http.post("/api/qr/generate", json=row, headers=headers) as answer:
            await answer.read()
            return answer.status
    return await _many(20, one, concurrency=10)


async def referrer_flood(http: aiohttp.ClientSession, headers: dict[str, str]
                         ) -> Counter[int]:
    async with http.post("/api/qr/generate", headers=headers, json={
            "uid": "flood", "qrType": "dynamic", "data": "https://example.com/"}) as made:
        path = "/r/" + (await made.json())["url"].rsplit("/r/", 1)[1]

    async def one(_: int) -> int:
        referer = f"https://{secrets.token_hex(8)}.example/"
        async with http.get(path, headers={"Referer": referer},
                            allow_redirects=False) as answer:
            return answer.status
    return await _many(20_000, one)


PHASES: dict[str, Phase] = {"malformed codes": malformed_codes, "big uploads": big_uploads,
                            "branded generates": branded_generates,
                            "referrer flood": referrer_flood}


def rss_mb(pid: int, children: bool = False) -> float:
    process = psutil.Process(pid)
    total = process.memory_info().rss
    if children:
        total += sum(c.memory_info().rss for c in process.children(recursive=True))
    return round(total / MB, 1)


async def run_phases(deployment: Deployment) -> list[dict[str, Any]]:
    """Each phase with its statuses, seconds and slowest /healthz."""
    stop, (receive, send) = multiprocessing.Event(), multiprocessing.Pipe(duplex=False)
    probe = multiprocessing.Process(target=probe_process, args=(deployment.url, stop, send))
    probe.start()
    spans: list[tuple[str, float, float, Counter[int], float]] = []
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(deployment.url, timeout=timeout) as http:
        for name, phase in PHASES.items():
            started = time.time()
            statuses = await phase(http, deployment.headers)
            rss = rss_mb(deployment.gateway.pid)
            spans.append((name, started, time.time(), statuses, rss))
            print(f"{name}: {dict(statuses)} in {time.time() - started:.1f} s, gateway RSS "
                  f"{rss} MB", flush=True)
    stop.set()
    timings = await asyncio.to_thread(receive.recv)
    probe.join()
    return [{"phase": name, "statuses": {str(k): v for k, v in statuses.items()},
             "seconds": round(end - start, 1), "gateway_rss_after_mb": rss,
             "healthz_max_ms": round(1000 * max(
                 (s for t, s in timings if start <= t <= end), default=0.0), 1)}
            for name, start, end, statuses, rss in spans]


async def measure(base: Settings) -> dict[str, Any]:
    deployment = await deploy(base, 1)
    try:
        await asyncio.sleep(3)
        pid = deployment.gateway.pid
        idle, idle_all = rss_mb(pid), rss_mb(pid, children=True)
        peak = RssPeak(pid)
        peak.start()
        phases = await run_phases(deployment)
        peak.done.set()
        peak.join()
        await asyncio.sleep(10)
        after, after_all = rss_mb(pid), rss_mb(pid, children=True)
    finally:
        deployment.stop()
    worst_ms = max(p["healthz_max_ms"] for p in phases)
    return {"phases": phases, "gateway_idle_rss_mb": idle,
            "gateway_peak_rss_mb": round(peak.peak_bytes / MB, 1),
            "gateway_after_rss_mb": after, "after_above_idle_mb": round(after - idle, 1),
            "with_render_processes_idle_mb": idle_all,
            "with_render_processes_after_mb": after_all,
            "healthz_max_ms": worst_ms,
            "met": after - idle <= RSS_TARGET_MB and worst_ms <= HEALTHZ_TARGET_MS}


async def main() -> None:
    start_local_servers()
    figures = await measure(Settings())
    sys.stdout.write(orjson.dumps(figures, option=orjson.OPT_INDENT_2).decode() + "\n")


if __name__ == "__main__":
    asyncio.run(main())
