"""Migration step: scan months of older layouts into the calendar-month ring; link totals kept.

The months now live in `scanmonths_SSSS_MM`, one collection per link shard and calendar
month, in the scan-month database beside the service's (shared/store/scans.py). Three
older layouts are moved in, each document by its `_id`'s month (`record:YYYYMM`):
- `scanmonths_SSSS`, every month of a shard in one collection: the layout before 2026-12-03
  (whole months in `hours`/`days`), and again from 375df2e, whose step had folded the
  per-month collections back into it (its documents may carry `movedFrom` already);
- `scanmonths_SSSS_YYYYMM`, one collection per shard and month, from 2026-12-03;
- `scanmonths_SSSS_MM` in the service's own database: the ring as first built (2026-12-07).
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
from typing import Any

from shared.analytics.months import combined, day_cells, hour_cells, whole_as_days
from shared.settings import Settings
from shared.store.client import Database, Doc
from shared.store.errors import store_errors
from shared.store.layout import links_collection, months_database
from shared.store.migrate import PAGE_DOCS, legacy_collections
from shared.store.scans import CodeScans, insert_link_totals, month_collection
from shared.store.unique import insert_many_unique

SHARD_WIDE = re.compile(r"scanmonths_(\d{4})")  # before 2026-12-03, and from 375df2e
PER_MONTH = re.compile(r"scanmonths_(\d{4})_(\d{6})")  # from 2026-12-03
RING_BESIDE = re.compile(r"scanmonths_(\d{4})_(\d{2})")  # the ring in the service's database
LEGACY_MONTHS = (SHARD_WIDE, PER_MONTH, RING_BESIDE)  # in the order they are moved
MOVED_FROM = "movedFrom"  # the legacy collections a document's scans came from
LEGACY_TOTALS = {"scans": 1, "lastScanAt": 1}


async def migrate_scans(db: Database, settings: Settings) -> int:
    """Documents copied: month documents moved or joined, and link totals kept."""
    copied = 0
    for pattern in LEGACY_MONTHS:
        for name in await legacy_collections(db, pattern):
            copied += await move_months(db, name)
    for shard in range(settings.link_shards):
        copied += await fold_link_totals(db, shard)
    return copied


async def move_months(db: Database, legacy: str) -> int:
    """Copy one legacy collection into its shard's ring, each document by its month, then
    drop it."""
    found = next(filter(None, (p.fullmatch(legacy) for p in LEGACY_MONTHS)), None)
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
    months = months_database(db)
    for target, docs in groups.items():
        inserted = await insert_many_unique(months[target], docs)
        copied += len(inserted)
        for doc in docs:
            if doc["_id"] not in inserted:
                copied += await _join(months, target, doc, legacy)
    return copied


async def _join(months: Database, target: str, doc: Doc, legacy: str) -> int:
    stored = await months[target].find_one({"_id": doc["_id"]})
    if stored is None or legacy in stored.get(MOVED_FROM, []):
        return 0  # copied by an earlier run
    marks = _marks(stored, doc[MOVED_FROM])
    await months[target].replace_one({"_id": doc["_id"]},
                                     joined(stored, doc) | {MOVED_FROM: marks})
    return 1


def joined(stored: Doc, doc: Doc) -> Doc:
    """One document holding the scans of both copies of a month: `doc` alone when it is the
    copy `split-scan-months` made of `stored` (a split stopped before its drop), else both
    summed. Per-month builds before 2026-12-07 wrote whole months too: those are summed."""
    if holds(doc, stored):
        return doc
    return combined(stored, whole_as_days(doc))


def holds(copy: Doc, original: Doc) -> bool:
    """Whether `copy` has taken every batch `original` took and counts at least its scans in
    every hour and day (a split's copy since written to); copies made apart never do, as
    their hours differ."""
    seen = copy.get("seen", {})
    if any(int(seen.get(gateway, 0)) < int(seq)
           for gateway, seq in original.get("seen", {}).items()):
        return False
    return (_covers(hour_cells(copy), hour_cells(original))
            and _covers(day_cells(copy), day_cells(original)))


def _covers(more: list[list[Any]], less: list[list[Any]]) -> bool:
    counts = {tuple(cell[:-1]): int(cell[-1]) for cell in more}
    return all(counts.get(tuple(cell[:-1]), 0) >= int(cell[-1]) for cell in less)


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
