"""The label-sheet PDF, written page by page as labels are added, and handed on in pieces.

skia's PDF backend writes each page's objects when the page ends (spool.py hands them on),
so only the page being drawn is held, plus a small record per finished page until the page
tree is written at the end, with the subset fonts.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable

import skia

from shared.sheets.captions import CaptionWriter
from shared.sheets.cells import PT_PER_MM, cell_pt, draw_crop_marks, draw_label
from shared.sheets.labels import Label
from shared.sheets.layout import SheetLayout
from shared.sheets.spool import Spool

TITLE = "bulkqr label sheet"


class SheetWriter:
    """One sheet PDF: `add` labels in order (row by row, top left first), then `finish`.
    Both return the bytes that became final since the last call (often none: a page is
    handed on when it is full). `close` frees the spool, finished or not; use it in a
    `finally`. Calls may run in a worker thread, one at a time."""

    def __init__(self, layout: SheetLayout) -> None:
        self.layout = layout
        self._captions = CaptionWriter()
        self._spool = Spool()
        self._document = skia.PDF.MakeDocument(self._spool.stream, Title=TITLE, Creator="bulkqr")
        self._canvas: skia.Canvas | None = None
        self._slot = self._pages = 0
        self._open, self._closed = True, False

    def add(self, labels: Iterable[Label]) -> bytes:
        pieces = [self._add_one(label) for label in labels]
        return b"".join(pieces)

    def finish(self) -> bytes:
        """End the last page (an empty sheet gets one blank page) and write the trailer."""
        if self._canvas is None and self._pages == 0:
            self._begin_page()
        if self._canvas is not None:
            self._document.endPage()
            self._canvas = None
        self._document.close()
        self._open = False
        return self._spool.take()

    def close(self) -> None:
        if self._closed:
            return
        if self._open:
            self._document.abort()
        self._open, self._closed = False, True
        del self._document  # before its stream: skia's document points at it
        self._spool.close()

    def _add_one(self, label: Label) -> bytes:
        canvas = self._begin_page() if self._canvas is None else self._canvas
        draw_label(canvas, self._captions, label, cell_pt(self.layout, self._slot))
        self._slot += 1
        if self._slot < self.layout.per_page:
            return b""
        self._document.endPage()
        self._canvas, self._slot, self._pages = None, 0, self._pages + 1
        return self._spool.take()

    def _begin_page(self) -> skia.Canvas:
        page_w_pt, page_h_pt = self.layout.page_w_mm * PT_PER_MM, self.layout.page_h_mm * PT_PER_MM
        self._canvas = self._document.beginPage(page_w_pt, page_h_pt)
        if self.layout.crop_marks:
            draw_crop_marks(self._canvas, self.layout)
        return self._canvas


def sheet_pdf(labels: Iterable[Label], layout: SheetLayout) -> Generator[bytes, None, None]:
    """The PDF in pieces, one per finished page and then the trailer, as `labels` arrive.
    Consumes `labels` lazily; closing the generator early abandons the document cleanly."""
    writer = SheetWriter(layout)
    try:
        for label in labels:
            piece = writer.add((label,))
            if piece:
                yield piece
        yield writer.finish()
    finally:
        writer.close()
