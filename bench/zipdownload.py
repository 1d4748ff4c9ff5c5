"""`python -m bench.zipdownload`: a 250,000-row batch downloaded as a ZIP, timed, with the
gateway's RSS above idle sampled every 10 ms.

Rendering 250,000 rows through workers would take the shared machine many minutes, so the
stored result is built directly: a cycle of distinct rendered PNGs (the renderer's own
output, default styling), stored as chunk fragments, row-index parts and ZIP parts (made
by the worker's worker/zippart.py), then joined by
the worker's own archive writer (worker/finish.write_archive) and the order set
`completed`, exactly what a finished batch leaves. The ZIP is then downloaded once
through a fresh gateway (no worker), read to the end and checked with zipfile. The same
archive is also downloaded as a ZIP made from the archive (a copy stored without ZIP
parts, as a batch rendered before they existed) and as JSON, for the ratios.
Needs the local servers, running.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import zipfile
from collections.abc import Coroutine
from typing import Any

import aiohttp
import orjson
import psutil

from bench.bigbody import RssPeak
from bench.e2e import Deployment, deploy
from shared.ids import new_bulk_id
from shared.keys import part_key, rows_part_key, zip_part_key
from shared.orders import new_order, transition
from shared.pipeline import RowInput
from shared.render import render_data_uri
from shared.rowindex import rows_text
from shared.rows.styling import parse_styling
from shared.s3 import ObjectStore
from shared.schemas import fragment
from shared.settings import Settings
from shared.status import OrderStatus
from shared.store import ORDERS, open_client
from shared.store.layout import drop_databases
from worker.finish import write_archive
from worker.zippart import zip_part

MB = 1024 * 1024
CHUNK_ROWS = 1000
DISTINCT_IMAGES = 2000


def chunk_parts(chunk: int, rows: int, images: list[str]) -> tuple[bytes, bytes, bytes]:
    """A chunk's archive fragment, row-index lines and ZIP part: static rows with uid and
    label, each made by the worker's own code."""
    first = chunk * CHUNK_ROWS
    indexes = range(first, min(first + CHUNK_ROWS, rows))
    raw = [(i, {"uid": f"sku-{i:06d}", "label": f"Item {i}"}) for i in indexes]
    entries = [images[i % len(images)] for i in indexes]
    part = zip_part(entries, [RowInput(i, row) for i, row in raw], time.time())
    return fragment(entries), rows_text(raw), part


async def build_result(
    deployment: Deployment, rows: int, with_parts: list[bool], size_px: int
) -> list[str]:
    """A completed batch of `rows` rows for each flag, with identical archives and ZIP
    parts where the flag says; their bulkIds."""
    settings = deployment.settings
    styling = parse_styling({"size": size_px})
    images = [
        render_data_uri(f"https://example.com/item/{i:06d}", styling)
        for i in range(DISTINCT_IMAGES)
    ]
    chunks = -(-rows // CHUNK_ROWS)
    client = open_client(settings)
    db = client[settings.mongo_db]
    subscription = deployment.headers["client-id"]
    bulk_ids = [new_bulk_id() for _ in with_parts]
    async with ObjectStore(settings) as store:
        await store.ensure_bucket()
        for chunk in range(chunks):
            entries, index, part = chunk_parts(chunk, rows, images)
            for bulk_id, parts in zip(bulk_ids, with_parts, strict=True):
                await store.put(part_key(bulk_id, chunk), entries, "text/plain")
                await store.put(rows_part_key(bulk_id, chunk), index, "text/plain")
                if parts:
                    await store.put(zip_part_key(bulk_id, chunk), part, "application/octet-stream")
        for bulk_id in bulk_ids:
            await db[ORDERS].insert_one(new_order(bulk_id, subscription, rows, chunks))
            await write_archive(store, bulk_id, chunks)
            await transition(db, bulk_id, OrderStatus.PROCESSING, OrderStatus.COMPLETED)
    await client.close()
    return bulk_ids


async def download(
    deployment: Deployment, bulk_id: str, fmt: str, sink: Any, query: dict[str, str] | None = None
) -> dict[str, Any]:
    pid = deployment.gateway.pid
    await asyncio.sleep(1)
    gateway = psutil.Process(pid)
    idle_bytes, cpu_before = gateway.memory_info().rss, gateway.cpu_times()
    peak = RssPeak(pid)
    peak.start()
    timeout = aiohttp.ClientTimeout(total=3600)
    size = 0
    async with aiohttp.ClientSession(deployment.url, timeout=timeout) as http:
        started = time.perf_counter()
        params = {"format": fmt, **(query or {})}
        async with http.get(
            f"/api/qr/bulk-generate/{bulk_id}/result", params=params, headers=deployment.headers
        ) as answer:
            assert answer.status == 200, await answer.text()
            async for piece in answer.content.iter_chunked(1 << 20):
                size += len(piece)
                sink.write(piece)
        took_s = time.perf_counter() - started
    peak.done.set()
    peak.join()
    cpu_after = gateway.cpu_times()
    cpu_s = cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system
    return {
        "format": fmt,
        "bytes": size,
        "seconds": round(took_s, 2),
        "gateway_cpu_s": round(cpu_s, 2),
        "mb_per_s": round(size / MB / took_s, 1),
        "idle_rss_mb": round(idle_bytes / MB, 1),
        "peak_rss_above_idle_mb": round((peak.peak_bytes - idle_bytes) / MB, 1),
    }


async def forget(settings: Settings) -> None:
    """Leave nothing of the bench on the shared servers."""
    async with ObjectStore(settings) as store:
        await store.delete_prefix("")
    client = open_client(settings)
    await drop_databases(client[settings.mongo_db])
    await client.close()


async def download_zip(deployment: Deployment, bulk_id: str, rows: int) -> dict[str, Any]:
    """Download a batch as a ZIP and check it holds an image and a manifest line a row."""
    with tempfile.TemporaryFile() as file:
        figures = await download(deployment, bulk_id, "zip", file)
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            manifest_lines = archive.read("manifest.csv").count(b"\n")
    assert len(names) == rows + 2 and manifest_lines == rows + 1, (len(names), manifest_lines)
    return figures


class Discard:
    def write(self, data: bytes) -> None:
        """The JSON body is only counted."""


async def measure(rows: int, size_px: int = 300) -> dict[str, Any]:
    deployment = await deploy(Settings(), 0)
    try:
        built = time.perf_counter()
        zip_id, fallback_id, json_id = await build_result(
            deployment, rows, [True, False, False], size_px
        )
        print(f"stored {rows:,} rows three times in {time.perf_counter() - built:.0f} s",
              flush=True)
        figures = await download_zip(deployment, zip_id, rows)
        fallback = await download_zip(deployment, fallback_id, rows)
        json_figures = await download(deployment, json_id, "json", Discard())
    finally:
        deployment.stop()
        await forget(deployment.settings)
    return {
        "rows": rows,
        "size_px": size_px,
        "zip": figures,
        "zip_rows_per_s": round(rows / figures["seconds"]),
        "zip_from_archive": fallback,
        "parts_over_archive_rate": round(fallback["seconds"] / figures["seconds"], 2),
        "json": json_figures,
        "zip_over_json_time": round(figures["seconds"] / json_figures["seconds"], 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": psutil.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.zipdownload")
    parser.add_argument("--rows", type=int, default=250_000)
    parser.add_argument("--size-px", type=int, default=300, help="the images' size (styling)")
    args = parser.parse_args()
    print_run(measure(args.rows, args.size_px))


def print_run(measurement: Coroutine[Any, Any, dict[str, Any]]) -> None:
    """Run a bench's measurement and print its figures as JSON, with the load before it."""
    load_before = [round(x, 2) for x in os.getloadavg()]
    result = asyncio.run(measurement) | {"load_average_before": load_before}
    print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
