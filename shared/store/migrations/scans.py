"""Migration step: scan months of older layouts into the calendar-month ring; link totals kept.

The months now live in `scanmonths_SSSS_MM`, one collection per link shard and calendar
month (shared/store/scans.py). Two older layouts are moved in, each document by its `_id`'s
month (`record:YYYYMM`):
- `scanmonths_SSSS`, every month of a shard in one collection: the layout before 2026-12-03
  (whole months in `hours`/`days`), and again from 375df2e, whose step had folded the
  per-month collections back into it (its documents may carry `movedFrom` already);
- `scanmonths_SSSS_YYYYMM`, one collection per shard and month, from 2026-12-03.
The shard-wide collections go first, so a per-month copy they already hold (375df2e's step
stopped before its drop) is recognised by its mark. A month found in two places is joined,
not skipped: each copy is marked (`movedFrom`) with every collection its scans came from, so
a run stopped halfway and started again joins nothing twice, and a second run copies 0.

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
from shared.store.layout import links_collection
from shared.store.migrate import PAGE_DOCS, legacy_collections
from shared.store.scans import CodeScans, insert_link_totals, month_collection
from shared.store.unique import insert_many_unique

SHARD_WIDE = re.compile(r"scanmonths_(\d{4})")  # before 2026-12-03, and from 375df2e
PER_MONTH = re.compile(r"scanmonths_(\d{4})_(\d{6})")  # from 2026-12-03
MOVED_FROM = "movedFrom"  # the legacy collections a document's scans came from
LEGACY_TOTALS = {"scans": 1, "lastScanAt": 1}
WHOLE_MONTH = {"hours", "days"}  # a month document's fields in builds before 2026-12


async def migrate_scans(db: Database, settings: Settings) -> int:
    """Documents copied: month documents moved or joined, and link totals kept."""
    copied = 0
    for pattern in (SHARD_WIDE, PER_MONTH):
        for name in await legacy_collections(db, pattern):
            copied += await move_months(db, name)
    for shard in range(settings.link_shards):
        copied += await fold_link_totals(db, shard)
    return copied


async def move_months(db: Database, legacy: str) -> int:
    """Copy one legacy collection into its shard's ring, each document by its month, then
    drop it."""
    found = SHARD_WIDE.fullmatch(legacy) or PER_MONTH.fullmatch(legacy)
    assert found is not None
    shard = int(found.group(1))
    copied = 0
    with store_errors():
        page: list[Doc] = []
        async for doc in db[legacy].find({}).sort("_id", 1):
            page.append(doc | {MOVED_FROM: _marks(doc, [legacy])})
            if len(page) == PAGE_DOCS:
                copied += await _copy(db, shard, page, legacy)
                page = []
        copied += await _copy(db, shard, page, legacy)
        await db.drop_collection(legacy)
    return copied


async def _copy(db: Database, shard: int, page: list[Doc], legacy: str) -> int:
    """Insert the page; a month already there from elsewhere is joined with its copy."""
    groups: dict[str, list[Doc]] = {}
    for doc in page:
        groups.setdefault(month_collection(shard, str(doc["_id"])), []).append(doc)
    copied = 0
    for target, docs in groups.items():
        inserted = await insert_many_unique(db[target], docs)
        copied += len(inserted)
        for doc in docs:
            if doc["_id"] not in inserted:
                copied += await _join(db, target, doc, legacy)
    return copied


async def _join(db: Database, target: str, doc: Doc, legacy: str) -> int:
    stored = await db[target].find_one({"_id": doc["_id"]})
    if stored is None or legacy in stored.get(MOVED_FROM, []):
        return 0  # copied by an earlier run
    marks = _marks(stored, doc[MOVED_FROM])
    await db[target].replace_one({"_id": doc["_id"]}, joined(stored, doc) | {MOVED_FROM: marks})
    return 1


def joined(stored: Doc, doc: Doc) -> Doc:
    """One document holding the scans of both copies of a month."""
    if WHOLE_MONTH & set(doc):
        # Both whole: `doc` is the per-month copy `split-scan-months` made of the shard-wide
        # one (a split stopped before its drop), so it holds all of `stored` and more.
        return doc if WHOLE_MONTH & set(stored) else combined(doc, stored)
    return combined(stored, doc)


def _marks(doc: Doc, more: list[str]) -> list[str]:
    return list(dict.fromkeys([*doc.get(MOVED_FROM, []), *more]))


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
