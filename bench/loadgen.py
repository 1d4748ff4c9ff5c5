"""A separate load-generator process: GET short links at a fixed rate, report latencies.

Run as `python -m bench.loadgen URL RATE SECONDS < codes` (one short code a line); prints
one JSON object.
Every code is first requested once (the cold pass: each gateway cache miss reads one link
shard), then requests are sent on schedule (open loop) and latency is measured from the
scheduled time, so a stalled server shows up as latency instead of a lower rate.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import orjson

if TYPE_CHECKING:
    from bench.e2e import Deployment

ROOT = Path(__file__).resolve().parent.parent


def percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {"p50_ms": ordered[len(ordered) // 2] * 1000,
            "p99_ms": ordered[int(len(ordered) * 0.99)] * 1000, "max_ms": ordered[-1] * 1000}


async def cold_pass(http: aiohttp.ClientSession, codes: list[str]) -> dict[str, float]:
    """Each code once, 16 at a time: what first scans of fresh links cost."""
    gate, latencies = asyncio.Semaphore(16), []

    async def one(code: str) -> None:
        async with gate:
            started = time.perf_counter()
            async with http.get(f"/r/{code}", allow_redirects=False) as answer:
                await answer.read()
            latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(one(code) for code in codes))
    return percentiles(latencies)


async def generate(url: str, rate: int, seconds: float, codes: list[str]) -> dict[str, object]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    total = int(rate * seconds)
    connector = aiohttp.TCPConnector(limit=128)
    async with aiohttp.ClientSession(url, connector=connector) as http:
        cold = await cold_pass(http, codes)

        async def one(i: int, due: float) -> None:
            async with http.get(f"/r/{codes[i % len(codes)]}", allow_redirects=False) as answer:
                await answer.read()
                statuses[answer.status] = statuses.get(answer.status, 0) + 1
            latencies.append(time.perf_counter() - due)

        started = time.perf_counter()
        tasks = []
        for i in range(total):
            due = started + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i, due)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    return {"requests": total, "seconds": elapsed, "achieved_rps": total / elapsed,
            **percentiles(latencies), "statuses": {str(k): v for k, v in statuses.items()},
            "cold": cold}


def redirect_load(deployment: Deployment, codes: list[str], rate: int,
                  seconds: float) -> dict[str, Any]:
    """Run this module as its own process against the deployment's gateway."""
    out = subprocess.run([sys.executable, "-m", "bench.loadgen", deployment.url, str(rate),
                          str(seconds)], input="\n".join(codes), capture_output=True,
                         text=True, check=False, cwd=ROOT, timeout=seconds * 4 + 60)
    if out.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{out.stderr[-2000:]}")
    result: dict[str, Any] = orjson.loads(out.stdout)
    return result


def main() -> None:
    url, rate, seconds = sys.argv[1:]
    codes = sys.stdin.read().split()
    result = asyncio.run(generate(url, int(rate), float(seconds), codes))
    sys.stdout.write(orjson.dumps(result).decode() + "\n")


if __name__ == "__main__":
    main()
