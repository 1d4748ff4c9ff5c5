"""Read the rows files `bulkqr submit` sends and `download` names its files by (JSON or CSV)."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import orjson

from shared.csvrows import decode_csv, parse_csv
from shared.errors import BadRequest


def csv_rows(path: Path) -> list[Any]:
    """A CSV's rows by the workspace upload's column rules (`styling.*`, `data.*`, …),
    without its row cap: the batch is then bounded by the body limit and the quota."""
    try:
        return parse_csv(decode_csv(path.read_bytes()), max_rows=sys.maxsize)
    except BadRequest as exc:
        raise ValueError(f"{path}: {exc.message}") from exc


def read_rows(path: Path) -> list[Any] | None:
    """The submitted rows as far as naming needs them (their uids), or None if unreadable.

    A CSV is read as the gateway reads it: cells trimmed, all-empty lines skipped, so
    row N here is entry N of the archive.
    """
    try:
        if path.suffix.lower() == ".csv":
            with path.open(newline="", encoding="utf-8-sig") as file:
                return [
                    {"uid": _cell(record.get("uid")) or None}
                    for record in csv.DictReader(file)
                    if any(_cell(value) for value in record.values())
                ]
        rows = orjson.loads(path.read_bytes())
    except (OSError, ValueError, csv.Error):
        return None
    return rows if isinstance(rows, list) else None


def _cell(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""
