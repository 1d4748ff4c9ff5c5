"""`python -m bench.sheetdownload`: a batch downloaded as a label-sheet PDF (format=pdf), timed,
with the gateway's RSS above idle sampled every 10 ms.

The stored result is built as bench/zipdownload.py builds it (rendered 300 px PNGs, static
rows with uid and label, joined by the worker's archive writer), then downloaded once as
`?format=pdf&sheet=PRESET` through a fresh gateway, written to a temporary file and its
pages counted with pypdf. Meanwhile /healthz is asked every 50 ms: its slowest answer
shows whether drawing stays off the gateway's event loop. Needs the local servers, running.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import tempfile
import time
from typing import Any

import aiohttp
import psutil
from pypdf import PdfReader

from bench.e2e import Deployment, deploy
from bench.zipdownload import build_result, download, forget, print_run
from shared.settings import Settings
from shared.sheets import layout_for


async def slowest_health_ms(deployment: Deployment, done: asyncio.Event) -> float:
    """The slowest /healthz answer until `done`, asked every 50 ms."""
    slowest_s = 0.0
    async with aiohttp.ClientSession(deployment.url) as http:
        while not done.is_set():
            started = time.perf_counter()
            async with http.get("/healthz") as answer:
                assert answer.status == 200
            slowest_s = max(slowest_s, time.perf_counter() - started)
            await asyncio.sleep(0.05)
    return round(slowest_s * 1000, 1)


async def measure(rows: int, preset: str) -> dict[str, Any]:
    deployment = await deploy(Settings(), 0)
    try:
        built = time.perf_counter()
        (bulk_id,) = await build_result(deployment, rows, [False], 300)
        print(f"stored {rows:,} rows in {time.perf_counter() - built:.0f} s", flush=True)
        with tempfile.TemporaryFile() as file:
            done = asyncio.Event()
            health = asyncio.create_task(slowest_health_ms(deployment, done))
            figures = await download(deployment, bulk_id, "pdf", file, {"sheet": preset})
            done.set()
            figures["slowest_healthz_ms"] = await health
            file.seek(0)
            pages = len(PdfReader(file).pages)
    finally:
        deployment.stop()
        await forget(deployment.settings)
    assert pages == math.ceil(rows / layout_for(preset, {}).per_page), pages
    return {
        "rows": rows,
        "preset": preset,
        "pages": pages,
        "pdf": figures,
        "labels_per_s": round(rows / figures["seconds"]),
        "labels_per_gateway_cpu_s": round(rows / figures["gateway_cpu_s"]),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": psutil.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sheetdownload")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--preset", default="a4-3x8")
    args = parser.parse_args()
    print_run(measure(args.rows, args.preset))


if __name__ == "__main__":
    main()
