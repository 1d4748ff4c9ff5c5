"""One document per QR record and UTC month holding its scan buckets, merged by one writer.

Each UTC day of the month has two fields of its own: `hDD` counts that day's scans per hour
and source (`{source: [n, …24]}`, trailing empty hours left out), `dDD` counts them per
trait (`[[trait, value, n], …]`). A merge reads (by projection) and rewrites (by `$set`) only
the days its batch touches, so its cost does not grow with the month's history. `seen` keeps,
per gateway, the last batch applied here, so applying a batch twice counts it once. Field
names hold days, never user values (FerretDB refuses keys with dots; referrer hosts have them).

A day keeps at most `cap` distinct values per trait; past it, new values count as `other`
(values it has keep counting). Each field is one compact JSON string, not subdocuments
(FerretDB v1 decodes every document it reads). Documents written before 2026-12 hold the
whole month in `hours` (`{"start": hour, "counts": {source: [n, …]}}`, or the older
`[[hour, source, n], …]` triples or subdocuments) and `days` (`[[day, trait, value, n], …]`):
they are read as they are, and new scans go to the day fields beside them. The documents
live in `scanmonths_SSSS_MM`, one collection per link shard and calendar month (a ring of
12 that the years reuse), `_id` `record:YYYYMM` (shared/store/scans.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from shared.analytics.tally import (
    DAY_HOURS,
    DIMENSIONS,
    OTHER,
    Cell,
    day_of_month,
    first_hour_of_month,
    month_of_hour,
)
from shared.store.client import Doc

Columns = dict[str, list[int]]


def month_id(record: str, hour: int) -> str:
    return f"{record}:{month_of_hour(hour)}"


def hour_field(hour: int) -> str:
    return f"h{day_of_month(hour):02d}"


def dim_field(hour: int) -> str:
    return f"d{day_of_month(hour):02d}"


def fields_of(cells: Iterable[Cell]) -> set[str]:
    """The day fields a merge of `cells` reads and writes."""
    return {name for cell in cells for name in (hour_field(cell.hour), dim_field(cell.hour))}


def merged(doc: Doc | None, record: str, month: str, cells: Iterable[Cell],
           gateway: str, seq: int, cap: int = 100) -> Doc | None:
    """The document after adding `cells` (only the fields they touch need be in `doc`),
    or None when it has this batch already."""
    doc = doc or {"_id": f"{record}:{month}", "code": record, "month": month, "seen": {}}
    if int(doc["seen"].get(gateway, 0)) >= seq:
        return None
    by_day: dict[int, list[Cell]] = {}
    for cell in cells:
        by_day.setdefault(cell.hour // DAY_HOURS, []).append(cell)
    changed: Doc = {"code": record, "month": month, "seen": doc["seen"] | {gateway: seq}}
    for day, some in by_day.items():
        hours_name, dims_name = hour_field(day * DAY_HOURS), dim_field(day * DAY_HOURS)
        columns: Columns = orjson.loads(doc.get(hours_name) or "{}")
        counts = _dim_counts(doc.get(dims_name))
        for cell in some:
            _bump(columns, cell.source, cell.hour - day * DAY_HOURS, cell.count)
            for trait in DIMENSIONS:
                _count(counts[trait], getattr(cell, trait), cell.count, cap)
        changed[hours_name] = orjson.dumps(dict(sorted(columns.items()))).decode()
        changed[dims_name] = orjson.dumps([[trait, value, n] for trait in DIMENSIONS
                                           for value, n in counts[trait].items()]).decode()
    return doc | changed


def _dim_counts(stored: str | None) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {trait: {} for trait in DIMENSIONS}
    for trait, value, n in orjson.loads(stored or "[]"):
        counts[trait][value] = int(n)
    return counts


def _count(values: dict[str, int], value: str, scans: int, cap: int) -> None:
    """Add `scans` to `value`, or to `other` when it is new and the day has `cap` values."""
    if value not in values and len(values) - (OTHER in values) >= cap:
        value = OTHER
    values[value] = values.get(value, 0) + scans


def hour_parts(doc: Doc) -> list[tuple[int, Columns]]:
    """(first hour, each source's scans hour by hour from it) of every part of a month
    document: the whole-month `hours` of older builds, then each day's field."""
    parts = [hour_columns(doc)] if "hours" in doc else []
    start = first_hour_of_month(str(doc["month"]))
    for name in sorted(doc):
        if len(name) == 3 and name[0] == "h" and name[1:].isdigit():
            day_start = start + (int(name[1:]) - 1) * DAY_HOURS
            parts.append((day_start, orjson.loads(doc[name])))
    return parts


def hour_columns(doc: Doc) -> tuple[int, Columns]:
    """The month's first hour, and each source's scans hour by hour from it, of the
    whole-month `hours` that builds before 2026-12 wrote (any of their forms)."""
    hours = doc.get("hours", "[]")
    if isinstance(hours, str) and hours.startswith("{"):
        dense = orjson.loads(hours)
        return int(dense["start"]), dense["counts"]
    start = first_hour_of_month(str(doc["month"]))
    columns: Columns = {}
    for hour, source, scans in _old_hour_cells(hours):
        _bump(columns, source, hour - start, int(scans))
    return start, columns


def hour_cells(doc: Doc) -> list[list[Any]]:
    """`[hour, source, scans]` of a month document's non-empty hours, by hour then source."""
    totals: dict[tuple[int, str], int] = {}
    for start, columns in hour_parts(doc):
        for source, column in columns.items():
            for offset, scans in enumerate(column):
                if scans:
                    key = (start + offset, source)
                    totals[key] = totals.get(key, 0) + scans
    return [[hour, source, n] for (hour, source), n in sorted(totals.items())]


def _bump(columns: Columns, source: str, offset: int, scans: int) -> None:
    """Add `scans` to the source's hour at `offset` from the column's start."""
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
    """`[day, trait, value, scans]` of a month document, summed over every form it holds."""
    days = doc.get("days", "[]")
    cells: list[list[Any]] = (orjson.loads(days) if isinstance(days, str)
                              else [[d["t"], d["k"], d["v"], d["n"]] for d in days])
    first_day = first_hour_of_month(str(doc["month"])) // DAY_HOURS
    for name in sorted(doc):
        if len(name) == 3 and name[0] == "d" and name[1:].isdigit():
            day = first_day + int(name[1:]) - 1
            cells.extend([day, *entry] for entry in orjson.loads(doc[name]))
    totals: dict[tuple[int, str, str], int] = {}
    for day, trait, value, scans in cells:
        totals[(day, trait, value)] = totals.get((day, trait, value), 0) + int(scans)
    return [[*key, n] for key, n in totals.items()]


def combined(one: Doc, other: Doc) -> Doc:
    """`one` with the day fields of `other` (the same record and month) added and the later
    batch of each gateway in `seen`; only `one` may hold the whole-month fields of older
    builds. Used to join two copies of a month that `bulkqr admin migrate` finds."""
    seen = dict(one.get("seen", {}))
    for gateway, seq in other.get("seen", {}).items():
        seen[gateway] = max(int(seq), int(seen.get(gateway, 0)))
    joined = one | {"seen": seen}
    for name in sorted(other):
        if len(name) == 3 and name[0] in "hd" and name[1:].isdigit():
            join = _join_hours if name[0] == "h" else _join_dims
            joined[name] = join(one[name], other[name]) if name in one else other[name]
    return joined


def whole_as_days(doc: Doc) -> Doc:
    """`doc` with the whole-month `hours` and `days` of builds before 2026-12 moved into its
    day fields (added to what they hold), so `combined` can take it as `other`."""
    if not {"hours", "days"} & set(doc):
        return doc
    whole: Doc = {name: doc[name] for name in ("month", "hours", "days") if name in doc}
    hours: dict[str, Columns] = {}
    for hour, source, scans in hour_cells(whole):
        _bump(hours.setdefault(hour_field(hour), {}), source, hour % DAY_HOURS, scans)
    dims: dict[str, list[list[Any]]] = {}
    for day, trait, value, scans in day_cells(whole):
        dims.setdefault(dim_field(day * DAY_HOURS), []).append([trait, value, scans])
    days: Doc = {name: orjson.dumps(dict(sorted(columns.items()))).decode()
                 for name, columns in hours.items()}
    days |= {name: orjson.dumps(cells).decode() for name, cells in dims.items()}
    rest = {name: value for name, value in doc.items() if name not in ("hours", "days")}
    return combined(rest, days)


def _join_hours(one: str, other: str) -> str:
    columns: Columns = orjson.loads(one)
    for source, column in orjson.loads(other).items():
        for offset, scans in enumerate(column):
            _bump(columns, source, offset, int(scans))
    return orjson.dumps(dict(sorted(columns.items()))).decode()


def _join_dims(one: str, other: str) -> str:
    counts = _dim_counts(one)
    for trait, value, n in orjson.loads(other):
        counts[trait][value] = counts[trait].get(value, 0) + int(n)
    return orjson.dumps([[trait, value, n] for trait in DIMENSIONS
                         for value, n in counts[trait].items()]).decode()
