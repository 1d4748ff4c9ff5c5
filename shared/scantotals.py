"""Scan totals of short codes, kept apart from the link documents that PATCH edits.

FerretDB v1 writes an update as a read, then a whole-document write, with no lock. A scan
batch's `$inc` on a link document racing a PATCH of that document lost one of the two (a
raised `maxScans` came back as the old limit; scans went missing). So the totals live in
their own shard collections, and the scan consumer, their one writer, reads and replaces
them; nothing else writes there. Links counted before this layout keep their old totals
in the link document, which nothing writes any more: reads add both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pymongo import ReplaceOne

from shared.analytics.tally import TallyBatch
from shared.ids import shard_of_code
from shared.store import Database, Doc, links_collection, scan_totals_collection

LEGACY_FIELDS = {"scans": 1, "lastScanAt": 1}  # older builds' gateways never ask again


@dataclass(frozen=True)
class ScanTotal:
    """One code's stored scans, its latest scan, and the last batch of the gateway asked
    about that they took (0 when no gateway was named)."""

    scans: int = 0
    last_scan_ms: int | None = None
    seen: int = 0

    @classmethod
    def from_doc(cls, doc: Doc, gateway: str | None = None) -> ScanTotal:
        last = doc.get("lastScanAt")
        seen = (doc.get("scanSeen") or {}).get(gateway, 0) if gateway else 0
        return cls(int(doc.get("scans", 0)), None if last is None else int(last), int(seen))

    def plus_legacy(self, doc: Doc) -> ScanTotal:
        """With what an older build counted in the link document `doc`."""
        last = [t for t in (self.last_scan_ms, doc.get("lastScanAt")) if t is not None]
        return ScanTotal(self.scans + int(doc.get("scans", 0)),
                         int(max(last)) if last else None, self.seen)


def by_shard(codes: Iterable[str]) -> dict[int, list[str]]:
    shards: dict[int, list[str]] = {}
    for code in codes:
        shard = shard_of_code(code)
        if shard is not None:
            shards.setdefault(shard, []).append(code)
    return shards


async def find_totals(db: Database, codes: Iterable[str],
                      gateway: str | None = None) -> dict[str, ScanTotal]:
    """Every code's total (zero when never scanned), with the last batch of `gateway` it
    took: two reads per shard, the totals and what older builds counted in the link
    documents."""
    fields = {"scans": 1, "lastScanAt": 1} | ({f"scanSeen.{gateway}": 1} if gateway else {})
    totals: dict[str, ScanTotal] = {}
    for shard, some in by_shard(codes).items():
        query = {"_id": {"$in": some}}
        stored = {doc["_id"]: ScanTotal.from_doc(doc, gateway)
                  async for doc in db[scan_totals_collection(shard)].find(query, fields)}
        async for doc in db[links_collection(shard)].find(query, LEGACY_FIELDS):
            if "scans" in doc or "lastScanAt" in doc:
                stored[doc["_id"]] = stored.get(doc["_id"], ScanTotal()).plus_legacy(doc)
        totals |= {code: stored.get(code, ScanTotal()) for code in some}
    return totals


def added(stored: Doc | None, code: str, count: int, last_scan_ms: int, gateway: str,
          seq: int) -> Doc | None:
    """The totals document after batch `seq` of `gateway` counted `count` scans of `code`;
    None when the document took that batch already."""
    doc = stored or {"_id": code, "scans": 0, "scanSeen": {}}
    if int(doc["scanSeen"].get(gateway, 0)) >= seq:
        return None
    last = max(last_scan_ms, int(doc.get("lastScanAt", last_scan_ms)))
    return {"_id": code, "scans": int(doc["scans"]) + count, "lastScanAt": last,
            "scanSeen": {**doc["scanSeen"], gateway: seq}}


async def apply_totals(db: Database, batch: TallyBatch) -> None:
    """Add a tally batch's counts: one read and one write per shard. Only the scan
    consumer calls this, one batch at a time, so the read-then-replace has no rival."""
    counts: dict[str, tuple[int, int]] = {}  # code → (scans, latest scan)
    for event in batch.links:
        count, last_ms = counts.get(event.code, (0, event.last_scan_ms))
        counts[event.code] = (count + event.count, max(last_ms, event.last_scan_ms))
    for shard, codes in by_shard(counts).items():
        collection = db[scan_totals_collection(shard)]
        stored = {doc["_id"]: doc async for doc in collection.find({"_id": {"$in": codes}})}
        writes = []
        for code in codes:
            doc = added(stored.get(code), code, *counts[code], batch.gateway, batch.seq)
            if doc is not None:
                writes.append(ReplaceOne({"_id": code}, doc, upsert=True))
        if writes:
            await collection.bulk_write(writes, ordered=False)
