"""The label sheet of a batch, built from its stored archive's pieces and row index.

One label per row, in row order, so a sheet has ceil(rows / labels a page) pages and every
row is accounted for: the row's own code (a dynamic row's per-source codes are left to the
ZIP's images) captioned with its `label`, else its uid, else `row N`. A row without a code
to print keeps its cell with a caption saying so: a failed row (`… · failed (400)`), and a
static row whose image a sheet cannot place (a format the registry does not mark `sheet`:
pdf, eps) nor re-encode (the archive keeps no static payload). A dynamic row's unplaceable
image is re-encoded from its short link, which is exactly what its code holds. Synchronous
and CPU-bound: each call runs in a worker thread, one at a time (a lock makes `close` wait
for a running call).
"""

from __future__ import annotations

import threading
from typing import Any

from shared.archiverows import ArchiveRows
from shared.formats.archive import read_entry
from shared.formats.rowindex import RowNames
from shared.sheets import (
    Label,
    SheetLayout,
    SheetWriter,
    caption_for,
    label_from_data_uri,
    label_from_payload,
)

SHEET_NAME = "sheet.pdf"


def row_label(row: int, raw: Any, names: RowNames) -> Label:
    """The label of one archive entry, whose uid and label the row index gave."""
    entry = read_entry(row, raw, names.uid)
    caption = caption_for(entry.uid, names.label) or f"row {row + 1}"
    if not entry.ok:
        return Label(f"{caption} · failed" + (f" ({entry.code})" if entry.code else ""))
    try:
        return label_from_data_uri(caption, entry.images[0].data_uri)
    except ValueError:
        if entry.url:  # a dynamic row: its code holds its short link
            return label_from_payload(caption, entry.url)
        return Label(f"{caption} · no printable image")


class SheetBuilder:
    """Fed the archive (`parse`) and its row index (`archive.index`); `add_labels` draws the rows
    ready so far and returns the PDF bytes that became final, `finish` the rest."""

    def __init__(self, layout: SheetLayout) -> None:
        self.archive = ArchiveRows()
        self._writer = SheetWriter(layout)
        self._lock = threading.Lock()

    def parse(self, piece: bytes | None) -> int:
        return self.archive.parse(piece)

    def add_labels(self) -> bytes:
        with self._lock:
            return self._writer.add(row_label(*ready) for ready in self.archive.ready())

    def finish(self) -> bytes:
        with self._lock:
            return self._writer.finish()

    def close(self) -> None:
        """Free the PDF's spool, finished or not; waits for a call running in a thread."""
        with self._lock:
            self._writer.close()
