"""Documents and BSON bytes per dynamic row, per link and per scanned code, family by family.

`python -m bench.storesize [--rows N]`: a fresh deployment, one batch of N dynamic rows,
one scan of each of its first 1,000 codes, then every family's documents and bytes; the
figures sizing a production MongoDB in docs/operations.md come from here.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench.e2e import deploy, run_batch
from shared.settings import Settings
from shared.store import open_client
from shared.store.layout import drop_databases
from shared.store.stats import collection_count, family_sizes
from tests.servers import start_local_servers

RESULTS = Path(__file__).resolve().parent / "results"
SCANNED = 1000
TALLY_WAIT_S = 4.0  # gateways publish tallies every second; the scans consumer applies them


async def measure(base: Settings, rows: int) -> dict[str, Any]:
    deployment = await deploy(base, workers=1)
    try:
        _, bulk_id = await run_batch(deployment, rows)
        codes = await _codes(deployment.url, deployment.headers, bulk_id)
        async with aiohttp.ClientSession(deployment.url) as http:
            for code in codes[:SCANNED]:
                async with http.get(f"/r/{code}", allow_redirects=False) as answer:
                    assert answer.status in (301, 302, 307), answer.status
        await asyncio.sleep(TALLY_WAIT_S)
        client = open_client(deployment.settings)
        try:
            db = client[deployment.settings.mongo_db]
            sizes = await family_sizes(db, deployment.settings)
            collections = await collection_count(db)
            await drop_databases(db)
        finally:
            await client.close()
    finally:
        deployment.stop()
    per = {"links": rows, "quota": rows, "linkscans": SCANNED, "scanmonths": SCANNED}
    return {
        "rows": rows, "scanned_codes": SCANNED, "collections": collections,
        "families": {name: {"collections": s.collections, "documents": s.documents,
                            "bson_bytes": s.bson_bytes,
                            "bytes_per_unit": round(s.bson_bytes / per[name], 1)
                            if per.get(name) else None}
                     for name, s in sorted(sizes.items()) if s.documents},
    }


async def _codes(url: str, headers: dict[str, str], bulk_id: str) -> list[str]:
    async with aiohttp.ClientSession(url) as http, http.get(
            f"/api/qr/bulk-generate/{bulk_id}/links", params={"format": "json"},
            headers=headers) as answer:
        assert answer.status == 200, await answer.text()
        items = orjson.loads(await answer.read())
    return [str(item["url"]).rsplit("/", 1)[-1] for item in items]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.storesize")
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    start_local_servers()
    result = asyncio.run(measure(Settings(), args.rows))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "storesize.json").write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    sys.stdout.write(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode() + "\n")


if __name__ == "__main__":
    main()
