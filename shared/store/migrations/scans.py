"""Migration step: scan months back to one collection per link shard; link totals beside theirs.

Builds from 2026-12-03 kept a collection per link shard and month (`scanmonths_SSSS_YYYYMM`,
768 a year); their documents move into `scanmonths_SSSS`, whose `_id` (`record:YYYYMM`)
already names the month. Documents of the layout before that (every month in
`scanmonths_SSSS`) are in place already. A month found in both (a deployment that never ran
`split-scan-months`) is joined, not skipped: each copy is marked with the collection it came
from, so a run stopped halfway and started again joins nothing twice.

Builds before the totals had their own collections counted in the link documents (`scans`,
`lastScanAt`); those are copied, once each, into `linkscans_SSSS` as `code:links`, so a
totals read opens only the totals. Run with the workers stopped (the scan consumer is the
months' one writer).
"""

from __future__ import annotations

import re

from shared.analytics.months import combined
from shared.settings import Settings
from shared.store.client import Database, Doc
from shared.store.errors import store_errors
from shared.store.layout import links_collection, scan_months_collection
from shared.store.migrate import PAGE_DOCS, legacy_collections
from shared.store.scans import CodeScans, insert_link_totals
from shared.store.unique import insert_many_unique

PER_MONTH = re.compile(r"scanmonths_(\d{4})_(\d{6})")
MOVED_FROM = "movedFrom"  # the per-month collections a document's scans came from
LEGACY_TOTALS = {"scans": 1, "lastScanAt": 1}
WHOLE_MONTH = {"hours", "days"}  # a month document's fields in builds before 2026-12


async def migrate_scans(db: Database, settings: Settings) -> int:
    """Documents copied: month documents moved or joined, and link totals kept."""
    copied = 0
    for name in await legacy_collections(db, PER_MONTH):
        copied += await move_months(db, name)
    for shard in range(settings.link_shards):
        copied += await fold_link_totals(db, shard)
    return copied


async def move_months(db: Database, legacy: str) -> int:
    """Copy one per-month collection into its shard's collection, then drop it."""
    found = PER_MONTH.fullmatch(legacy)
    assert found is not None
    target = scan_months_collection(int(found.group(1)))
    copied = 0
    with store_errors():
        page: list[Doc] = []
        async for doc in db[legacy].find({}).sort("_id", 1):
            page.append(doc | {MOVED_FROM: [legacy]})
            if len(page) == PAGE_DOCS:
                copied += await _copy(db, target, page, legacy)
                page = []
        copied += await _copy(db, target, page, legacy)
        await db.drop_collection(legacy)
    return copied


async def _copy(db: Database, target: str, page: list[Doc], legacy: str) -> int:
    """Insert the page; a month already there from elsewhere is joined with its copy."""
    inserted = await insert_many_unique(db[target], page)
    joined = 0
    for doc in page:
        if doc["_id"] not in inserted:
            joined += await _join(db, target, doc, legacy)
    return len(inserted) + joined


async def _join(db: Database, target: str, doc: Doc, legacy: str) -> int:
    stored = await db[target].find_one({"_id": doc["_id"]})
    if stored is None or legacy in stored.get(MOVED_FROM, []):
        return 0  # copied by an earlier run
    sources = [*stored.get(MOVED_FROM, []), legacy]
    # A copy holding whole-month fields was made by `split-scan-months` from the document
    # still here (a split stopped before its drop): it holds all of it and more.
    whole = doc if WHOLE_MONTH & set(doc) else combined(stored, doc)
    await db[target].replace_one({"_id": doc["_id"]}, whole | {MOVED_FROM: sources})
    return 1


async def fold_link_totals(db: Database, shard: int) -> int:
    """Keep what older builds counted in the link documents of one shard beside the totals
    (each once). The link documents are left as they are: writing them races a PATCH."""
    copied = 0
    page: list[CodeScans] = []
    with store_errors():
        async for doc in db[links_collection(shard)].find({}, LEGACY_TOTALS):
            if doc.get("scans") or doc.get("lastScanAt") is not None:
                page.append(CodeScans.from_doc(doc))
            if len(page) == PAGE_DOCS:
                copied += await insert_link_totals(db, shard, page)
                page = []
    return copied + await insert_link_totals(db, shard, page)
