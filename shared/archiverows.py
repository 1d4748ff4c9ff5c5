"""A stored archive's entries paired, in row order, with their uid and label from the row index.

Fed the archive's pieces (ArchiveEntries) and, separately, the row index's lines (`index`);
`ready()` hands out each parsed entry once the index has told all it knows about its row.
Both deliverables built from an archive, the ZIP and the label sheet, read it this way.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any

from shared.archivestream import ArchiveEntries
from shared.formats.rowindex import RowIndex, RowNames


class ArchiveRows:
    """Entries parsed piece by piece; only those of one piece are held at a time."""

    def __init__(self) -> None:
        self.index = RowIndex()
        self._entries = ArchiveEntries()
        self._pending: deque[Any] = deque()
        self._next_row = 0  # the row number of the first pending entry

    def parse(self, piece: bytes | None) -> int:
        """Parse a piece of the archive (None: its end); the last row number parsed so far."""
        found = self._entries.feed(piece) if piece is not None else self._entries.finish()
        self._pending.extend(found)
        return self._next_row + len(self._pending) - 1

    def ready(self) -> Iterator[tuple[int, Any, RowNames]]:
        """(row number, raw entry, names) of the parsed rows the index covers, in order."""
        while self._pending and self.index.covers(self._next_row):
            row = self._next_row
            self._next_row += 1
            yield row, self._pending.popleft(), self.index.names(row)
