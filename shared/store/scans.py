"""The scans aggregate's queries: code totals (`linkscans_SSSS`), months (`scanmonths_SSSS_MM`).

Totals have one collection per link shard (a short code's first two characters name it);
months one per link shard and calendar month, a ring of 12 the years reuse (`_id`
`record:YYYYMM`, so two Januaries never collide), in the scan-month database beside the
service's (shared/store/layout.py, `months_database`): FerretDB v1 scans a whole collection even
for an `_id` lookup, and a year's query then reads 12 collections holding one calendar month
of one shard each, not one holding every month. Both have one writer, the scan consumer
(worker/scans.py), which reads what a batch touches and writes it back; nothing else writes
there but `bulkqr admin migrate`. Every read is an `_id` lookup: per collection, up to
LOOKUPS_MAX ids one equality each (FerretDB v1 hands it to SQLite, ~1.5 ms per MB of the
collection, measured), more with one `$in` (which FerretDB evaluates itself on every
document, ~27 ms per MB).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from pymongo import ReplaceOne, UpdateOne

from shared.store.client import Collection, Database, Doc
from shared.store.errors import store_errors
from shared.store.layout import months_database, scan_months_collection, scan_totals_collection
from shared.store.unique import insert_many_unique

LOOKUPS_MAX = 16
T = TypeVar("T")
LINK_TOTALS = ":links"  # `_id` suffix of what an older build counted in the link document


@dataclass(frozen=True)
class CodeScans:
    """A short code's stored scans, its latest scan, and per gateway the last batch taken."""

    code: str
    scans: int = 0
    last_scan_ms: int | None = None
    seen: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_doc(cls, doc: Doc) -> CodeScans:
        last = doc.get("lastScanAt")
        return cls(str(doc.get("code", doc["_id"])), int(doc.get("scans", 0)),
                   None if last is None else int(last),
                   {k: int(v) for k, v in (doc.get("scanSeen") or {}).items()})

    def to_doc(self) -> Doc:
        doc: Doc = {"_id": self.code, "scans": self.scans, "scanSeen": dict(self.seen)}
        return doc | ({} if self.last_scan_ms is None else {"lastScanAt": self.last_scan_ms})

    def plus(self, other: CodeScans) -> CodeScans:
        """With `other`'s scans added (the batches seen stay this one's)."""
        last = [t for t in (self.last_scan_ms, other.last_scan_ms) if t is not None]
        return CodeScans(self.code, self.scans + other.scans, max(last, default=None),
                         self.seen)


async def find_code_scans(db: Database, shard: int, codes: list[str],
                          gateway: str | None = None) -> dict[str, CodeScans]:
    """The stored totals among `codes` (a code never scanned is missing), each with what an
    older build counted in its link document (copied beside it by the migration) and, of
    `seen`, only `gateway`'s entry: one round of `_id` lookups, nothing else opened."""
    fields = {"code": 1, "scans": 1, "lastScanAt": 1} | (
        {f"scanSeen.{gateway}": 1} if gateway else {})
    ids = codes + [code + LINK_TOTALS for code in codes]
    found: dict[str, CodeScans] = {}
    for doc in await _read(db[scan_totals_collection(shard)], ids, fields):
        total = CodeScans.from_doc(doc)
        before = found.get(total.code)
        if before is None:
            found[total.code] = total
        else:  # the sum keeps the batches seen of the code's own document
            own = doc["_id"] == total.code
            found[total.code] = total.plus(before) if own else before.plus(total)
    return found


async def load_code_scans(db: Database, shard: int, codes: list[str]) -> dict[str, CodeScans]:
    """The writer's read: the stored totals among `codes`, with every gateway's batches."""
    docs = await _read(db[scan_totals_collection(shard)], codes, None)
    return {doc["_id"]: CodeScans.from_doc(doc) for doc in docs}


async def save_code_scans(db: Database, shard: int, totals: list[CodeScans]) -> None:
    """Replace (or create) these totals; only the one writer calls this."""
    if not totals:
        return
    writes = [ReplaceOne({"_id": t.code}, t.to_doc(), upsert=True) for t in totals]
    with store_errors():
        await db[scan_totals_collection(shard)].bulk_write(writes, ordered=False)


async def insert_link_totals(db: Database, shard: int, totals: list[CodeScans]) -> int:
    """Keep, once each, what older builds counted in link documents (unique inserts, so a
    second run adds nothing and the scan consumer, which never writes these, cannot race)."""
    docs = [{"_id": t.code + LINK_TOTALS, "code": t.code, "scans": t.scans}
            | ({} if t.last_scan_ms is None else {"lastScanAt": t.last_scan_ms})
            for t in totals]
    return len(await insert_many_unique(db[scan_totals_collection(shard)], docs))


def month_collection(shard: int, month_doc_id: str) -> str:
    """The ring collection holding the month document `record:YYYYMM` of a link shard."""
    return scan_months_collection(shard, month_doc_id.rpartition(":")[2])


async def find_months(db: Database, shard: int, ids: list[str],
                      fields: list[str] | None = None) -> dict[str, Doc]:
    """The month documents (shared/analytics/months.py) among `ids` (`record:YYYYMM`), with
    only `fields` when named: the collections of their calendar months read at once."""
    projection = None if fields is None else dict.fromkeys(fields, 1)
    groups = _by_collection(shard, ids, key=str)
    months = months_database(db)
    found = await asyncio.gather(*(_read(months[name], group, projection)
                                   for name, group in groups.items()))
    return {doc["_id"]: doc for docs in found for doc in docs}


async def save_months(db: Database, shard: int, months: list[Doc]) -> None:
    """Set the fields each month document holds (the days a merge touched, `seen`), creating
    the documents that are new; only the one writer calls this."""
    groups = _by_collection(shard, months, key=lambda doc: str(doc["_id"]))
    home = months_database(db)
    with store_errors():
        for name, group in groups.items():
            writes = [UpdateOne({"_id": doc["_id"]},
                                {"$set": {k: v for k, v in doc.items() if k != "_id"}},
                                upsert=True) for doc in group]
            await home[name].bulk_write(writes, ordered=False)


async def insert_months(db: Database, shard: int, months: list[Doc]) -> int:
    """Store month documents that are new (a bench's year of scans, a migration's copy):
    how many were inserted."""
    groups = _by_collection(shard, months, key=lambda doc: str(doc["_id"]))
    home = months_database(db)
    return sum([len(await insert_many_unique(home[name], group))
                for name, group in groups.items()])


def _by_collection(shard: int, items: list[T], key: Callable[[T], str]) -> dict[str, list[T]]:
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(month_collection(shard, key(item)), []).append(item)
    return groups


async def _read(collection: Collection, ids: list[str],
                fields: Mapping[str, int] | None) -> list[Doc]:
    if not ids:
        return []
    with store_errors():
        if len(ids) > LOOKUPS_MAX:
            return [doc async for doc in collection.find({"_id": {"$in": ids}}, fields)]
        found = await asyncio.gather(*(collection.find_one({"_id": i}, fields) for i in ids))
    return [doc for doc in found if doc is not None]
