"""Move scan months stored before 2026-12-03 into their per-month collections, once.

The layout before kept every month of a link shard in one collection (`scanmonths_NNNN`);
now each shard has one collection per month (`months_collection`). Run it on upgrade with
the workers stopped, since the scans consumer is the months' one writer: `bulkqr admin
split-scan-months`. Each document is copied (an upsert of the same document, so a second
run changes nothing) and each old collection is dropped once it is copied.
"""

from __future__ import annotations

import re

from pymongo import ReplaceOne

from shared.analytics.months import months_collection
from shared.store import Database, Doc

OLD_NAME = re.compile(r"^scanmonths_(\d{4})$")
COPY_BATCH = 100


async def split_scan_months(db: Database) -> int:
    """The number of month documents moved."""
    moved = 0
    for name in sorted(await db.list_collection_names()):
        found = OLD_NAME.match(name)
        if found is None:
            continue
        shard = int(found.group(1))
        pending: dict[str, list[ReplaceOne[Doc]]] = {}  # a few documents per month at most
        async for doc in db[name].find({}):
            month = str(doc["month"])
            writes = pending.setdefault(month, [])
            writes.append(ReplaceOne({"_id": doc["_id"]}, doc, upsert=True))
            moved += 1
            if len(writes) >= COPY_BATCH:
                await db[months_collection(shard, month)].bulk_write(pending.pop(month),
                                                                     ordered=False)
        for month, writes in pending.items():
            await db[months_collection(shard, month)].bulk_write(writes, ordered=False)
        await db.drop_collection(name)
    return moved
