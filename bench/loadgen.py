"""A separate load-generator process: GET short links at a fixed rate, report latencies.

Run as `python -m bench.loadgen URL RATE SECONDS < codes` (one short code a line); prints
one JSON object.
Requests are sent on schedule (open loop); latency is measured from the scheduled time,
so a stalled server shows up as latency instead of silently lowering the rate.
"""

from __future__ import annotations

import asyncio
import sys
import time

import aiohttp
import orjson


async def generate(url: str, rate: int, seconds: float, codes: list[str]) -> dict[str, object]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    total = int(rate * seconds)
    connector = aiohttp.TCPConnector(limit=128)
    async with aiohttp.ClientSession(url, connector=connector) as http:

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
    latencies.sort()
    return {
        "requests": total, "seconds": elapsed, "achieved_rps": total / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "max_ms": latencies[-1] * 1000, "statuses": {str(k): v for k, v in statuses.items()},
    }


def main() -> None:
    url, rate, seconds = sys.argv[1:]
    codes = sys.stdin.read().split()
    result = asyncio.run(generate(url, int(rate), float(seconds), codes))
    sys.stdout.write(orjson.dumps(result).decode() + "\n")


if __name__ == "__main__":
    main()
