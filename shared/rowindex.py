"""A chunk's submitted rows as lines of the row index (shared/formats/rowindex.py): each
row's uid and label, as the row plan reads them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shared.formats.rowindex import index_text
from shared.rows.plan import label_of, uid_of


def rows_text(rows: Iterable[tuple[int, Any]]) -> bytes:
    """The lines of the `(row number, submitted row)` pairs of a chunk."""
    return index_text((index, uid_of(raw), label_of(raw)) for index, raw in rows)
