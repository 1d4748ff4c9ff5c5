"""Dynamic links at scale: redirects with 1,000,000 links stored, a year of scans, a re-point.

`python -m bench.links [--links N] [--seconds S]` (also run by `make bench`): a fresh
gateway on its own database; N links (default 1,000,000, in batches of 100,000) are written
straight into the link shards as the workers write them. Then, on that gateway: the
redirect load (a cold pass over 1,000 codes, then 1,000 requests/s on schedule, scans
recorded as always), the scans query of a code holding a year of hourly data, and a bulk
re-point of one 100,000-code batch through the API.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench.e2e import Deployment, deploy
from bench.loadgen import redirect_load
from shared.analytics.months import merged, month_id
from shared.analytics.tally import HOUR_MS, Cell, hour_of
from shared.ids import qr_id_of_code, shard_of_code
from shared.links import codes_for_row, link_documents, shard_for_chunk
from shared.orders import new_order
from shared.settings import Settings
from shared.status import OrderStatus
from shared.store import ORDERS, Database, links_collection, open_client
from shared.store.layout import drop_databases
from shared.store.scans import insert_months
from tests.servers import start_local_servers

RESULTS = Path(__file__).resolve().parent / "results"
BATCH_ROWS = 100_000
YEAR_HOURS = 365 * 24
SOURCES = ("direct", "flyer", "poster")
TRAITS = (("mobile", "iOS", "Mobile Safari", "FR", "direct"),
          ("desktop", "Windows", "Chrome", "DE", "news.example"))


async def store_links(db: Database, settings: Settings, client_id: str, total: int
                      ) -> list[tuple[str, list[str]]]:
    """`total` links in batches of BATCH_ROWS, written chunk by chunk like the workers do;
    returns each batch's id and its codes."""
    secret = settings.code_secret.get_secret_value().encode()
    batches: list[tuple[str, list[str]]] = []
    now_ms = int(time.time() * 1000)
    for start in range(0, total, BATCH_ROWS):
        rows = min(BATCH_ROWS, total - start)
        bulk_id = f"bulk_{uuid.uuid4().hex}"
        chunks = -(-rows // settings.chunk_rows)
        await db[ORDERS].insert_one(new_order(bulk_id, client_id, rows, chunks)
                                    | {"status": OrderStatus.COMPLETED.value})
        codes: list[str] = []
        for chunk in range(chunks):
            shard = shard_for_chunk(bulk_id, chunk, settings.link_shards)
            docs = []
            for row in range(chunk * settings.chunk_rows,
                             min(rows, (chunk + 1) * settings.chunk_rows)):
                made = codes_for_row(secret, shard, bulk_id, row, ())
                codes.append(made.code)
                docs += link_documents(made, subscription=client_id, bulk_id=bulk_id, row=row,
                                       uid=f"sku-{row}", destination=f"https://shop.example/{row}",
                                       expiry_ms=None, password_hashes=[], now_ms=now_ms)
            await db[links_collection(shard)].insert_many(docs, ordered=False)
        batches.append((bulk_id, codes))
        print(f"links stored: {start + rows:,}", flush=True)
    return batches


async def store_year_of_scans(db: Database, code: str, others: list[str]) -> None:
    """Twelve months of hourly scans (three sources, two kinds of visitor) for `code`, and
    this month for each of `others`, so the query reads one real-sized collection (this
    calendar month's of the shard's ring; the other eleven hold the code's months only)."""
    end_hour = hour_of(int(time.time() * 1000))
    months: dict[str, list[Cell]] = {}
    for hour in range(end_hour - YEAR_HOURS, end_hour):
        for n, source in enumerate(SOURCES):
            device, os_name, browser, country, referrer = TRAITS[(hour + n) % 2]
            months.setdefault(month_id(code, hour), []).append(Cell(
                record=code, source=source, hour=hour, device=device, os=os_name,
                browser=browser, country=country, referrer=referrer, count=1 + hour % 5))
    docs = [merged(None, code, key.rpartition(":")[2], cells, "bench", 1)
            for key, cells in months.items()]
    one = Cell(record=others[0], source="direct", hour=end_hour, device="mobile", os="iOS",
               browser="Mobile Safari", country="FR", referrer="direct", count=1)
    docs += [merged(None, other, month_id(other, end_hour).rpartition(":")[2],
                    [one.model_copy(update={"record": other})], "bench", 1) for other in others]
    shard = shard_of_code(code) or 0
    # The others first: a lookup then scans past them all, as it would for months written
    # over time (the code's own months first made the year's query look twice as fast).
    await insert_months(db, shard, [doc for doc in docs[len(months):] + docs[:len(months)]
                                    if doc is not None])


async def timed_get(http: aiohttp.ClientSession, path: str, headers: dict[str, str],
                    times: int) -> list[float]:
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        async with http.get(path, headers=headers) as answer:
            assert answer.status == 200, await answer.text()
            await answer.read()
        spent.append((time.perf_counter() - started) * 1000)
    return spent


async def scans_query(deployment: Deployment, code: str) -> dict[str, float]:
    now_ms = int(time.time() * 1000)
    path = (f"/api/qr/{qr_id_of_code(code)}/scans?from={now_ms - YEAR_HOURS * HOUR_MS}"
            f"&to={now_ms}&interval=")
    async with aiohttp.ClientSession(deployment.url) as http:
        figures: dict[str, float] = {}
        for interval in ("day", "hour"):
            spent = await timed_get(http, path + interval, deployment.headers, 20)
            figures |= {f"{interval}_p50_ms": round(statistics.median(spent), 1),
                        f"{interval}_max_ms": round(max(spent), 1)}
    return figures


async def repoint(deployment: Deployment, bulk_id: str, codes: list[str]) -> dict[str, Any]:
    """A dry run (reads every record of the batch), then the re-point itself (one overlay
    write); then a sample of the batch's codes must redirect to the new place."""
    route = f"/api/qr/bulk-generate/{bulk_id}/links/update"
    body = {"destination": "https://moved.example/{uid}"}
    timeout = aiohttp.ClientTimeout(total=900)
    figures: dict[str, Any] = {"codes": len(codes)}
    async with aiohttp.ClientSession(deployment.url, timeout=timeout) as http:
        for name, extra in (("dry_run_s", {"dryRun": True}), ("repoint_s", {})):
            started = time.perf_counter()
            async with http.post(route, json=body | extra, headers=deployment.headers) as got:
                answer = await got.json()
                assert got.status == 200, answer
            figures[name] = round(time.perf_counter() - started, 2)
            if extra:
                assert answer["changed"] == len(codes), answer
        started = time.perf_counter()
        for code in codes[:: len(codes) // 100]:
            async with http.get(f"/r/{code}", allow_redirects=False) as got:
                assert got.headers["Location"].startswith("https://moved.example/sku-")
        figures["first_100_redirects_after_s"] = round(time.perf_counter() - started, 2)
    return figures


async def measure(base: Settings, total: int = 1_000_000, seconds: float = 30.0
                  ) -> dict[str, Any]:
    deployment = await deploy(base, 0)
    client = open_client(deployment.settings)
    db = client[deployment.settings.mongo_db]
    try:
        started = time.perf_counter()
        batches = await store_links(db, deployment.settings,
                                    deployment.headers["client-id"], total)
        stored_s = time.perf_counter() - started
        every = [code for _, codes in batches for code in codes]
        sample = every[:: max(1, len(every) // 1000)][:1000]
        await store_year_of_scans(db, batches[0][1][0], batches[0][1][1:2001])
        results = {"links": len(every), "store_s": round(stored_s, 1),
                   "redirects": redirect_load(deployment, sample, 1000, seconds),
                   "scans_query": await scans_query(deployment, batches[0][1][0]),
                   "repoint": await repoint(deployment, *batches[-1])}
    finally:
        deployment.stop()
        await drop_databases(client[deployment.settings.mongo_db])
        await client.close()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.links")
    parser.add_argument("--links", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    start_local_servers()
    results = await measure(Settings(), args.links, args.seconds)
    results |= {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "command": "python -m bench.links"}
    text = orjson.dumps(results, option=orjson.OPT_INDENT_2)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "links.json").write_bytes(text)
    sys.stdout.write(text.decode() + "\n")


if __name__ == "__main__":
    asyncio.run(main())
