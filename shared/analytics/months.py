"""One document per QR record and UTC month holding its scan buckets, merged by one writer.

`hours` counts scans per hour and source (the time series); `days` counts them per day
for each of the other traits. `seen` keeps, per gateway, the last batch applied here, so
applying a batch twice counts it once. Field names and values live in values, never in
keys (FerretDB refuses keys with dots, and referrer hosts have them).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shared.analytics.tally import DAY_HOURS, DIMENSIONS, Cell, month_of_hour
from shared.mongo import Doc

Counts = dict[tuple[Any, ...], int]


def months_collection(shard: int) -> str:
    """Scan months of the records in one link shard (the code's first two characters)."""
    return f"scanmonths_{shard:04d}"


def month_id(record: str, hour: int) -> str:
    return f"{record}:{month_of_hour(hour)}"


def merged(doc: Doc | None, record: str, month: str, cells: Iterable[Cell],
           gateway: str, seq: int) -> Doc | None:
    """The document after adding `cells`, or None when it has this batch already."""
    doc = doc or {"_id": f"{record}:{month}", "code": record, "month": month,
                  "seen": {}, "hours": [], "days": []}
    if int(doc["seen"].get(gateway, 0)) >= seq:
        return None
    hours = {(h["t"], h["v"]): int(h["n"]) for h in doc["hours"]}
    days = {(d["t"], d["k"], d["v"]): int(d["n"]) for d in doc["days"]}
    for cell in cells:
        _add(hours, (cell.hour, cell.source), cell.count)
        for name in DIMENSIONS:
            _add(days, (cell.hour // DAY_HOURS, name, getattr(cell, name)), cell.count)
    return doc | {
        "seen": doc["seen"] | {gateway: seq},
        "hours": [{"t": t, "v": v, "n": n} for (t, v), n in sorted(hours.items())],
        "days": [{"t": t, "k": k, "v": v, "n": n} for (t, k, v), n in sorted(days.items())],
    }


def _add(counts: Counts, key: tuple[Any, ...], count: int) -> None:
    counts[key] = counts.get(key, 0) + count
