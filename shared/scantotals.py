"""Scan totals of short codes, kept apart from the link documents that PATCH edits.

FerretDB v1 writes an update as a read, then a whole-document write, with no lock. A scan
batch's `$inc` on a link document racing a PATCH of that document lost one of the two (a
raised `maxScans` came back as the old limit; scans went missing). So the totals live in
their own shard collections (shared/store/scans.py), and the scan consumer, their one
writer, reads and replaces them. What builds before that counted in the link documents was
copied beside the totals by `bulkqr admin migrate`, so a read no longer opens the links.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shared.analytics.tally import TallyBatch
from shared.ids import shard_of_code
from shared.store.client import Database
from shared.store.scans import CodeScans, find_code_scans, load_code_scans, save_code_scans


@dataclass(frozen=True)
class ScanTotal:
    """One code's stored scans, its latest scan, and the last batch of the gateway asked
    about that they took (0 when no gateway was named)."""

    scans: int = 0
    last_scan_ms: int | None = None
    seen: int = 0

    @classmethod
    def of(cls, stored: CodeScans, gateway: str | None = None) -> ScanTotal:
        seen = stored.seen.get(gateway, 0) if gateway else 0
        return cls(stored.scans, stored.last_scan_ms, seen)


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
    took: one read per shard."""
    totals: dict[str, ScanTotal] = {}
    for shard, some in by_shard(codes).items():
        stored = await find_code_scans(db, shard, some, gateway)
        totals |= {code: ScanTotal.of(stored[code], gateway) if code in stored
                   else ScanTotal() for code in some}
    return totals


def added(stored: CodeScans | None, code: str, count: int, last_scan_ms: int, gateway: str,
          seq: int) -> CodeScans | None:
    """The totals after batch `seq` of `gateway` counted `count` scans of `code`; None when
    they took that batch already."""
    stored = stored or CodeScans(code)
    if stored.seen.get(gateway, 0) >= seq:
        return None
    last = max(last_scan_ms, stored.last_scan_ms or last_scan_ms)
    return CodeScans(code, stored.scans + count, last, {**stored.seen, gateway: seq})


async def apply_totals(db: Database, batch: TallyBatch) -> None:
    """Add a tally batch's counts: one read and one write per shard. Only the scan
    consumer calls this, one batch at a time, so the read-then-replace has no rival."""
    counts: dict[str, tuple[int, int]] = {}  # code → (scans, latest scan)
    for event in batch.links:
        count, last_ms = counts.get(event.code, (0, event.last_scan_ms))
        counts[event.code] = (count + event.count, max(last_ms, event.last_scan_ms))
    for shard, codes in by_shard(counts).items():
        stored = await load_code_scans(db, shard, codes)
        changed = [added(stored.get(code), code, *counts[code], batch.gateway, batch.seq)
                   for code in codes]
        await save_code_scans(db, shard, [total for total in changed if total is not None])
