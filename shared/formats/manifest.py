"""Manifest cells safe in a spreadsheet, and the manifest.csv of a folder the client unpacks:
one line per saved image or failed row. (The ZIP's manifest, with row, sha256 and label
columns, is written by ziprows.py with these cells.)"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import astuple, dataclass

COLUMNS = ("uid", "status", "code", "message", "id", "short_url", "file", "source")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ManifestRow:
    """What happened to one row (or to one source image of a row)."""

    uid: str
    status: str  # "ok" or "failed"
    code: str = ""
    message: str = ""
    id: str = ""
    short_url: str = ""
    file: str = ""
    source: str = ""


def escape_cell(value: str) -> str:
    """Prefix a cell that a spreadsheet would read as a formula with a single quote."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def manifest_bytes(rows: Iterable[ManifestRow]) -> bytes:
    """The CSV text (UTF-8, header first, every cell escaped)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([escape_cell(cell) for cell in astuple(row)])
    return out.getvalue().encode("utf-8")
