"""Each row's uid and label, stored beside the archive as JSON lines `[row, uid, label]`.

The archive names no uid for a static row (its entry is a bare data URI) and no entry
carries a label, so a ZIP of files named by uid needs this index. A chunk's worker writes
its lines (keys.rows_part_key), the batch's assembly joins them (keys.result_rows_key),
and the download reads them in step with the archive's entries. Lines carry their row
number, so a chunk whose lines are missing only leaves its rows without them. Which uid
and label a submitted row has is the row plan's to say (shared/rowindex.py).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

NEWLINE = b"\n"


@dataclass(frozen=True)
class RowNames:
    uid: str | int | None = None
    label: str | None = None


def index_text(rows: Iterable[tuple[int, str | int | None, str | None]]) -> bytes:
    """The lines of a chunk's `(row number, uid, label)` triples."""
    return b"".join(orjson.dumps([index, uid, label]) + NEWLINE for index, uid, label in rows)


class RowIndex:
    """Lines fed piece by piece, looked up by ascending row number."""

    def __init__(self) -> None:
        self._carry = b""
        self._lines: deque[tuple[int, RowNames]] = deque()
        self.finished = False
        self.last_row = -1  # the highest row number read so far

    def feed(self, piece: bytes) -> None:
        *complete, self._carry = (self._carry + piece).split(NEWLINE)
        try:  # one parse for all the piece's lines; line by line only around a bad one
            parsed = orjson.loads(b"[" + b",".join(complete) + b"]")
        except orjson.JSONDecodeError:
            parsed = [_parse(line) for line in complete]
        for line in parsed:
            self._add(line)

    def finish(self) -> None:
        if self._carry.strip():
            self._add(_parse(self._carry))
        self._carry, self.finished = b"", True

    def covers(self, row: int) -> bool:
        """Whether the lines read so far tell all there is to know about `row`."""
        return self.finished or self.last_row >= row

    def names(self, row: int) -> RowNames:
        """The uid and label of `row` (empty when its line is missing); rows are asked in
        ascending order, and lines before `row` are dropped."""
        while self._lines and self._lines[0][0] < row:
            self._lines.popleft()
        if self._lines and self._lines[0][0] == row:
            return self._lines.popleft()[1]
        return RowNames()

    def _add(self, line: Any) -> None:
        try:
            row, uid, label = line
        except (ValueError, TypeError):
            return  # a damaged line costs its row its names, nothing more
        if isinstance(row, int) and row > self.last_row:
            self._lines.append((row, RowNames(uid if isinstance(uid, str | int) else None,
                                              label if isinstance(label, str) else None)))
            self.last_row = row


def _parse(line: bytes) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
