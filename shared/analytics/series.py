"""Read a record's scans between two instants: a time series and breakdowns per trait.

The series and the per-source breakdown are exact to the hour; the other breakdowns are
kept per day, so they count the whole UTC days the range touches.
"""

from __future__ import annotations

from typing import Any

from shared.analytics.months import day_cells, hour_cells, months_collection
from shared.analytics.tally import DAY_HOURS, DIMENSIONS, HOUR_MS, month_of_hour
from shared.ids import shard_of_code
from shared.mongo import Database

INTERVAL_HOURS = {"hour": 1, "day": DAY_HOURS}


async def read_scans(db: Database, record: str, from_ms: int, to_ms: int,
                     interval: str) -> dict[str, Any]:
    """Scans in [from_ms, to_ms): `series` of {t, scans} per interval and `breakdowns`."""
    first_h, end_h = from_ms // HOUR_MS, -(-to_ms // HOUR_MS)
    months = sorted({month_of_hour(h) for h in range(first_h, end_h, DAY_HOURS)}
                    | {month_of_hour(end_h - 1)})
    shard = shard_of_code(record)
    docs = [] if shard is None else await db[months_collection(shard)].find(
        {"_id": {"$in": [f"{record}:{m}" for m in months]}}).to_list()
    step = INTERVAL_HOURS[interval]
    buckets: dict[int, int] = {}
    breakdowns: dict[str, dict[str, int]] = {k: {} for k in ("source", *DIMENSIONS)}
    first_day, end_day = first_h // DAY_HOURS, -(-end_h // DAY_HOURS)
    for doc in docs:
        for hour, source, scans in hour_cells(doc):
            if first_h <= hour < end_h:
                slot = hour // step * step
                buckets[slot] = buckets.get(slot, 0) + scans
                _add(breakdowns["source"], source, scans)
        for day, trait, value, scans in day_cells(doc):
            if first_day <= day < end_day:
                _add(breakdowns[trait], value, scans)
    series = [{"t": slot * HOUR_MS, "scans": n} for slot, n in sorted(buckets.items())]
    return {"total": sum(buckets.values()), "series": series,
            "breakdowns": {k: dict(sorted(v.items(), key=lambda kv: -kv[1]))
                           for k, v in breakdowns.items()}}


def _add(counts: dict[str, int], key: str, count: int) -> None:
    counts[key] = counts.get(key, 0) + count
