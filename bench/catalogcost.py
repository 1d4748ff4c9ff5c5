"""What one query costs on the document store as a database holds more collections.

`python -m bench.catalogcost`: for databases of 2, 250 and 1,002 empty collections, the
median wall time of a one-document `_id` lookup and of a one-document insert. FerretDB v1
copies and sorts a database's whole catalog on every `find` (to learn whether the one
collection asked for is capped), so its lookups slow down as collections are added; this is
why the scan-month ring has a database of its own (shared/store/layout.py). Results in
bench/results/catalogcost.json.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import orjson

from shared.settings import Settings
from shared.store import open_client
from shared.store.client import Database
from shared.store.layout import CREATES_AT_ONCE, drop_databases
from tests.servers import start_local_servers

RESULTS = Path(__file__).resolve().parent / "results"
COLLECTIONS = (2, 250, 1002)
LOOKUPS = 2000
INSERTS = 1000
WARM_UP = 200


async def _median_us(calls: int, one: Any) -> float:
    times = []
    for n in range(calls):
        started = time.perf_counter()
        await one(n)
        times.append((time.perf_counter() - started) * 1e6)
    return statistics.median(times)


async def measure_one(db: Database, collections: int) -> dict[str, float]:
    for first in range(0, collections, CREATES_AT_ONCE):
        await asyncio.gather(*(db.create_collection(f"c{n:04d}", check_exists=False)
                               for n in range(first, min(first + CREATES_AT_ONCE, collections))))
    target, other = db["c0000"], db["c0001"]
    await target.insert_one({"_id": "x", "v": 1})
    await _median_us(WARM_UP, lambda _: target.find_one({"_id": "x"}))
    return {
        "collections": collections,
        "find_one_us": round(await _median_us(LOOKUPS, lambda _: target.find_one({"_id": "x"}))),
        "insert_one_us": round(await _median_us(INSERTS, lambda n: other.insert_one({"_id": n}))),
    }


async def measure(settings: Settings) -> list[dict[str, float]]:
    client = open_client(settings)
    figures = []
    try:
        for collections in COLLECTIONS:
            db = client[f"catalog_{uuid.uuid4().hex[:6]}"]
            try:
                figures.append(await measure_one(db, collections))
            finally:
                await drop_databases(db)
            print(f"catalog cost: {figures[-1]}", flush=True)
    finally:
        await client.close()
    return figures


if __name__ == "__main__":
    start_local_servers()
    results = asyncio.run(measure(Settings()))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "catalogcost.json").write_bytes(orjson.dumps(
        {"when": time.strftime("%Y-%m-%d %H:%M:%S"), "command": "python -m bench.catalogcost",
         "figures": results}, option=orjson.OPT_INDENT_2))
