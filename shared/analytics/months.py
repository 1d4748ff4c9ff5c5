"""One document per QR record and UTC month holding its scan buckets, merged by one writer.

`hours` counts scans per hour and source (the time series); `days` counts them per day
for each of the other traits. `seen` keeps, per gateway, the last batch applied here, so
applying a batch twice counts it once. Field names and values live in values, never in
keys (FerretDB refuses keys with dots, and referrer hosts have them).

Both are stored as one compact JSON string each, not as arrays of subdocuments (FerretDB v1
decodes every document it reads, and ~2,500 subdocuments a month made a year's query take
over a second): `hours` as each source's scans hour by hour from the month's first hour
(`{"start": hour, "counts": {source: [n, n, …]}}`, trailing empty hours left out), `days`
as `[[day, trait, value, n], …]`. The dense hours are a tenth of the size of the
`[[hour, source, n], …]` triples they replaced, which FerretDB reads three times faster and
a query sums without a dictionary operation per bucket. Documents written in the two
earlier forms (triples, or subdocuments) are still read, and rewritten in this one by the
next merge.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from shared.analytics.tally import DAY_HOURS, DIMENSIONS, Cell, first_hour_of_month, month_of_hour
from shared.mongo import Doc

Counts = dict[tuple[Any, ...], int]


def months_collection(shard: int, month: str) -> str:
    """Scan months of the records in one link shard (the code's first two characters) for
    one UTC month (`YYYYMM`). FerretDB v1 scans a collection to find a document in it, so
    a year's query reads twelve collections that each hold one month of one shard, and no
    collection grows with the years (docs/operations.md: the layout before this one)."""
    return f"scanmonths_{shard:04d}_{month}"


def month_id(record: str, hour: int) -> str:
    return f"{record}:{month_of_hour(hour)}"


def merged(doc: Doc | None, record: str, month: str, cells: Iterable[Cell],
           gateway: str, seq: int) -> Doc | None:
    """The document after adding `cells`, or None when it has this batch already."""
    doc = doc or {"_id": f"{record}:{month}", "code": record, "month": month,
                  "seen": {}, "hours": "[]", "days": "[]"}
    if int(doc["seen"].get(gateway, 0)) >= seq:
        return None
    start, columns = hour_columns(doc)
    days: Counts = {(t, k, v): int(n) for t, k, v, n in day_cells(doc)}
    for cell in cells:
        _bump(columns, cell.source, cell.hour - start, cell.count)
        for name in DIMENSIONS:
            _add(days, (cell.hour // DAY_HOURS, name, getattr(cell, name)), cell.count)
    return doc | {
        "seen": doc["seen"] | {gateway: seq},
        "hours": orjson.dumps({"start": start, "counts": dict(sorted(columns.items()))}).decode(),
        "days": orjson.dumps([[*key, n] for key, n in sorted(days.items())]).decode(),
    }


def hour_columns(doc: Doc) -> tuple[int, dict[str, list[int]]]:
    """The month's first hour, and each source's scans hour by hour from it (any form)."""
    hours = doc["hours"]
    if isinstance(hours, str) and hours.startswith("{"):
        dense = orjson.loads(hours)
        return int(dense["start"]), dense["counts"]
    start = first_hour_of_month(str(doc["month"]))
    columns: dict[str, list[int]] = {}
    for hour, source, scans in _old_hour_cells(hours):
        _bump(columns, source, hour - start, int(scans))
    return start, columns


def hour_cells(doc: Doc) -> list[list[Any]]:
    """`[hour, source, scans]` of a month document's non-empty hours, by hour then source."""
    start, columns = hour_columns(doc)
    return sorted([start + offset, source, scans] for source, column in columns.items()
                  for offset, scans in enumerate(column) if scans)


def _bump(columns: dict[str, list[int]], source: str, offset: int, scans: int) -> None:
    """Add `scans` to the source's hour at `offset` from the month's start."""
    column = columns.setdefault(source, [])
    if offset >= len(column):
        column.extend([0] * (offset + 1 - len(column)))
    column[offset] += scans


def _old_hour_cells(hours: Any) -> list[list[Any]]:
    if isinstance(hours, str):  # `[[hour, source, n], …]`
        cells: list[list[Any]] = orjson.loads(hours)
        return cells
    return [[h["t"], h["v"], h["n"]] for h in hours]  # subdocuments


def day_cells(doc: Doc) -> list[list[Any]]:
    """`[day, trait, value, scans]` of a month document, whichever form it was stored in."""
    days = doc["days"]
    if isinstance(days, str):
        cells: list[list[Any]] = orjson.loads(days)
        return cells
    return [[d["t"], d["k"], d["v"], d["n"]] for d in days]


def _add(counts: Counts, key: tuple[Any, ...], count: int) -> None:
    counts[key] = counts.get(key, 0) + count
