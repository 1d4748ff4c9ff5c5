"""CSV rows to bulk rows (pure; for the workspace upload and the CLI): the header names fields.

Columns: a plain name (`uid`, `qrType`, `dataType`, `data`, `expiry`, …) sets that row
field; `styling.<key>` and `data.<key>` set one key of the nested object; `sources`
holds `;`-separated source names; `secure.password` protects a dynamic QR with one
password. Cells are trimmed and an empty cell is absent. Values stay text except:
integer- or decimal-looking `styling.*`, `data.lat` and `data.lng` cells are numbers,
`data.hidden` true/false is a boolean, and an all-digits `expiry` is epoch ms. Rows whose
cells are all empty are skipped. Anything malformed is a BadRequest naming the line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from shared.errors import BadRequest

Row = dict[str, Any]
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
INT_RE = re.compile(r"^[+-]?\d{1,15}$")
DECIMAL_RE = re.compile(r"^[+-]?(?:\d{1,15}(?:\.\d{0,15})?|\.\d{1,15})$")
NESTED = ("styling", "data")
NUMERIC_DATA_KEYS = ("lat", "lng")
BOOLEAN_DATA_KEYS = ("hidden",)
SOURCE_SEPARATOR = ";"


@dataclass(frozen=True)
class Column:
    """One header cell: `group` is styling/data for nested keys, else None."""

    name: str
    group: str | None
    key: str


def decode_csv(body: bytes, charset: str | None = None) -> str:
    """The upload as text: UTF-8 (with or without BOM) unless a charset is declared."""
    codec = "utf-8-sig" if (charset or "utf-8").lower() in ("utf-8", "utf8") else charset
    try:
        return body.decode(codec or "utf-8-sig")
    except LookupError as exc:
        raise BadRequest(f"charset {charset!r} is not a text encoding this API knows") from exc
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        raise BadRequest(f"line {line}: the CSV is not valid {charset or 'UTF-8'} text; "
                         "save it as UTF-8") from exc


def parse_csv(text: str, max_rows: int) -> list[Row]:
    """The rows of a CSV whose first line is the header; at most `max_rows` of them."""
    records = _records(text)
    first = next(records, None)
    if first is None:
        raise BadRequest("the CSV is empty; its first line must name the columns (uid,data,…)")
    columns = parse_header(*first)
    rows: list[Row] = []
    extra = 0
    for line, cells in records:
        if len(rows) < max_rows:
            rows.append(build_row(line, cells, columns))
        else:
            extra += 1
    if not rows:
        raise BadRequest("the CSV has a header line but no rows")
    if extra:
        raise BadRequest(f"the CSV has {len(rows) + extra} rows; at most {max_rows} per upload")
    return rows


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of every record that has a non-empty cell."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = "a quoted cell is never closed" if "end of data" in str(exc) else exc
            raise BadRequest(f"line {line}: the CSV is malformed ({reason})") from exc
        if any(cell.strip() for cell in cells):
            yield line, cells
        line = reader.line_num + 1


def parse_header(line: int, cells: list[str]) -> list[Column]:
    """The columns named by the header line, or BadRequest saying what is wrong with it."""
    try:
        columns = [_column(position, cell.strip()) for position, cell in enumerate(cells, 1)]
    except ValueError as exc:
        raise BadRequest(f"line {line}: {exc}") from exc
    names = [column.name for column in columns]
    for name in names:
        if names.count(name) > 1:
            raise BadRequest(f"line {line}: column {name!r} appears more than once")
    if "uid" not in names:
        raise BadRequest(f"line {line}: the header has no uid column; every row needs a uid")
    return columns


def _column(position: int, name: str) -> Column:
    if not name:
        raise ValueError(f"column {position} has no name")
    group, dot, key = name.partition(".")
    if not dot:
        if name in ("styling", "secure"):
            example = "styling.size" if name == "styling" else "secure.password"
            raise ValueError(f"column {name!r} needs a key, e.g. {example}")
        _check_name(name, name)
        return Column(name, None, name)
    if name == "secure.password":
        return Column(name, "secure", "password")
    if group not in NESTED:
        raise ValueError(f"column {name!r}: only styling.*, data.* and secure.password "
                         "columns may contain a dot")
    _check_name(name, key)
    return Column(name, group, key)


def _check_name(name: str, part: str) -> None:
    if not NAME_RE.match(part):
        raise ValueError(f"column {name!r} is not a field name "
                         "(letters, digits, _ and -; one dot after styling or data)")


def build_row(line: int, cells: list[str], columns: list[Column]) -> Row:
    """One row from its cells; empty cells are left out."""
    if len(cells) != len(columns):
        raise BadRequest(f"line {line}: {len(cells)} cells, but the header names "
                         f"{len(columns)} columns")
    row: Row = {}
    for column, cell in zip(columns, cells, strict=True):
        value = cell.strip()
        if value:
            _put(row, line, column, value)
    return row


def _put(row: Row, line: int, column: Column, value: str) -> None:
    if column.group is None:
        if isinstance(row.get(column.name), dict):
            raise BadRequest(f"line {line}: fill either the {column.name} column or "
                             f"{column.name}.* columns, not both")
        plain = _plain_value(column.name, value)
        if plain != []:  # a sources cell of separators only names no source
            row[column.name] = plain
    elif column.group == "secure":
        row["secure"] = [{"type": "password", "value": value}]
    else:
        nested = row.setdefault(column.group, {})
        if not isinstance(nested, dict):
            raise BadRequest(f"line {line}: fill either the {column.group} column or "
                             f"{column.group}.* columns, not both")
        nested[column.key] = _nested_value(column.group, column.key, value)


def _plain_value(name: str, value: str) -> Any:
    if name == "sources":
        names = [part.strip() for part in value.split(SOURCE_SEPARATOR)]
        return [part for part in names if part]
    if name == "expiry" and value.isdigit() and INT_RE.match(value):
        return int(value)
    return value


def _nested_value(group: str, key: str, value: str) -> Any:
    if group == "styling" or key in NUMERIC_DATA_KEYS:
        return number_or_text(value)
    if key in BOOLEAN_DATA_KEYS and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def number_or_text(value: str) -> Any:
    """An int or float when the text looks like one, else the text unchanged."""
    if INT_RE.match(value):
        return int(value)
    if DECIMAL_RE.match(value):
        return float(value)
    return value
