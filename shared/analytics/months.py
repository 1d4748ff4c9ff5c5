"""One document per QR record and UTC month holding its scan buckets, merged by one writer.

`hours` counts scans per hour and source (the time series); `days` counts them per day
for each of the other traits. `seen` keeps, per gateway, the last batch applied here, so
applying a batch twice counts it once. Field names and values live in values, never in
keys (FerretDB refuses keys with dots, and referrer hosts have them).

Both lists are stored as one compact JSON string each (`[[hour, source, n], …]` and
`[[day, trait, value, n], …]`), not as arrays of subdocuments: FerretDB v1 decodes every
document of a collection for each query, and a month of hourly buckets as ~2,500
subdocuments made a year's query take over a second where the strings take a tenth of it.
Documents written in the older list form are still read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

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
                  "seen": {}, "hours": "[]", "days": "[]"}
    if int(doc["seen"].get(gateway, 0)) >= seq:
        return None
    hours: Counts = {(t, v): int(n) for t, v, n in hour_cells(doc)}
    days: Counts = {(t, k, v): int(n) for t, k, v, n in day_cells(doc)}
    for cell in cells:
        _add(hours, (cell.hour, cell.source), cell.count)
        for name in DIMENSIONS:
            _add(days, (cell.hour // DAY_HOURS, name, getattr(cell, name)), cell.count)
    return doc | {
        "seen": doc["seen"] | {gateway: seq},
        "hours": orjson.dumps([[*key, n] for key, n in sorted(hours.items())]).decode(),
        "days": orjson.dumps([[*key, n] for key, n in sorted(days.items())]).decode(),
    }


def hour_cells(doc: Doc) -> list[list[Any]]:
    """`[hour, source, scans]` of a month document, whichever form it was stored in."""
    hours = doc["hours"]
    if isinstance(hours, str):
        cells: list[list[Any]] = orjson.loads(hours)
        return cells
    return [[h["t"], h["v"], h["n"]] for h in hours]


def day_cells(doc: Doc) -> list[list[Any]]:
    """`[day, trait, value, scans]` of a month document, whichever form it was stored in."""
    days = doc["days"]
    if isinstance(days, str):
        cells: list[list[Any]] = orjson.loads(days)
        return cells
    return [[d["t"], d["k"], d["v"], d["n"]] for d in days]


def _add(counts: Counts, key: tuple[Any, ...], count: int) -> None:
    counts[key] = counts.get(key, 0) + count
