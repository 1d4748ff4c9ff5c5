"""Read a record's scans between two instants: a time series and breakdowns per trait.

The series and the per-source breakdown are exact to the hour; the other breakdowns are
kept per day, so they count the whole UTC days the range touches, and each answers at most
`cap` values (the most scanned; the rest, and what a day counted past its own cap, as `other`),
so a range of many days, or a month stored before days had a cap, stays a small answer.
"""

from __future__ import annotations

from itertools import zip_longest
from typing import Any

from shared.analytics.months import day_cells, hour_parts
from shared.analytics.tally import DAY_HOURS, DIMENSIONS, HOUR_MS, OTHER, month_of_hour
from shared.ids import shard_of_code
from shared.store.client import Database
from shared.store.scans import find_months

INTERVAL_HOURS = {"hour": 1, "day": DAY_HOURS}


async def read_scans(db: Database, record: str, from_ms: int, to_ms: int,
                     interval: str, cap: int = 100) -> dict[str, Any]:
    """Scans in [from_ms, to_ms): `series` of {t, scans} per interval and `breakdowns`."""
    first_h, end_h = from_ms // HOUR_MS, -(-to_ms // HOUR_MS)
    months = sorted({month_of_hour(h) for h in range(first_h, end_h, DAY_HOURS)}
                    | {month_of_hour(end_h - 1)})
    shard = shard_of_code(record)
    ids = [f"{record}:{month}" for month in months]
    docs = [] if shard is None else list((await find_months(db, shard, ids)).values())
    step = INTERVAL_HOURS[interval]
    buckets: dict[int, int] = {}
    sources: dict[str, int] = {}
    breakdowns: dict[str, dict[str, int]] = {k: {} for k in DIMENSIONS}
    first_day, end_day = first_h // DAY_HOURS, -(-end_h // DAY_HOURS)
    for doc in docs:
        for start, columns in hour_parts(doc):
            _add_hours(buckets, sources, start, columns, (first_h, end_h), step)
        for day, trait, value, scans in day_cells(doc):
            if first_day <= day < end_day:
                _add(breakdowns[trait], value, scans)
    series = [{"t": slot * HOUR_MS, "scans": n} for slot, n in sorted(buckets.items())]
    return {"total": sum(buckets.values()), "series": series,
            "breakdowns": {k: _capped(v, cap)
                           for k, v in {"source": sources, **breakdowns}.items()}}


def _add_hours(buckets: dict[int, int], sources: dict[str, int], start: int,
               columns: dict[str, list[int]], hours: tuple[int, int], step: int) -> None:
    """Add one part's scans in the hours [first, end) to the series and the sources."""
    low, high = max(0, hours[0] - start), max(0, hours[1] - start)
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


def _capped(counts: dict[str, int], cap: int) -> dict[str, int]:
    """The `cap` most scanned values, most first, and the rest summed as `other`."""
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    kept = dict(kv for kv in ranked if kv[0] != OTHER)
    if len(kept) <= cap:
        return dict(ranked)
    rest = sum(n for _, n in list(kept.items())[cap:]) + counts.get(OTHER, 0)
    top = dict(list(kept.items())[:cap]) | {OTHER: rest}
    return dict(sorted(top.items(), key=lambda kv: -kv[1]))


def _add(counts: dict[str, int], key: str, count: int) -> None:
    counts[key] = counts.get(key, 0) + count
