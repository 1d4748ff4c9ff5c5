"""Read a record's scans between two instants: a time series and breakdowns per trait.

The series and the per-source breakdown are exact to the hour; the other breakdowns are
kept per day, so they count the whole UTC days the range touches.
"""

from __future__ import annotations

import asyncio
from itertools import zip_longest
from typing import Any

from shared.analytics.months import day_cells, hour_columns, months_collection
from shared.analytics.tally import DAY_HOURS, DIMENSIONS, HOUR_MS, month_of_hour
from shared.ids import shard_of_code
from shared.mongo import Database, Doc

INTERVAL_HOURS = {"hour": 1, "day": DAY_HOURS}


async def read_scans(db: Database, record: str, from_ms: int, to_ms: int,
                     interval: str) -> dict[str, Any]:
    """Scans in [from_ms, to_ms): `series` of {t, scans} per interval and `breakdowns`."""
    first_h, end_h = from_ms // HOUR_MS, -(-to_ms // HOUR_MS)
    months = sorted({month_of_hour(h) for h in range(first_h, end_h, DAY_HOURS)}
                    | {month_of_hour(end_h - 1)})
    shard = shard_of_code(record)
    docs = [] if shard is None else await find_months(db, shard, record, months)
    step = INTERVAL_HOURS[interval]
    buckets: dict[int, int] = {}
    sources: dict[str, int] = {}
    breakdowns: dict[str, dict[str, int]] = {k: {} for k in DIMENSIONS}
    first_day, end_day = first_h // DAY_HOURS, -(-end_h // DAY_HOURS)
    for doc in docs:
        start, columns = hour_columns(doc)
        low, high = max(0, first_h - start), max(0, end_h - start)
        per_hour: list[int] = []
        for source, column in columns.items():
            part = column[low:high]
            if total := sum(part):
                _add(sources, source, total)
                per_hour = [a + b for a, b in zip_longest(per_hour, part, fillvalue=0)]
        for offset, scans in enumerate(per_hour, start + low):
            if scans:
                slot = offset - offset % step
                buckets[slot] = buckets.get(slot, 0) + scans
        for day, trait, value, scans in day_cells(doc):
            if first_day <= day < end_day:
                _add(breakdowns[trait], value, scans)
    series = [{"t": slot * HOUR_MS, "scans": n} for slot, n in sorted(buckets.items())]
    return {"total": sum(buckets.values()), "series": series,
            "breakdowns": {k: dict(sorted(v.items(), key=lambda kv: -kv[1]))
                           for k, v in {"source": sources, **breakdowns}.items()}}


async def find_months(db: Database, shard: int, record: str, months: list[str]) -> list[Doc]:
    """The record's month documents that exist, each read in its month's collection, all at
    once. Each is an `_id` equality, which FerretDB v1 hands to SQLite; it evaluates `$in`
    itself on every document of the collection instead."""
    found = await asyncio.gather(*(
        db[months_collection(shard, month)].find_one({"_id": f"{record}:{month}"})
        for month in months))
    return [doc for doc in found if doc is not None]


def _add(counts: dict[str, int], key: str, count: int) -> None:
    counts[key] = counts.get(key, 0) + count
