"""The label sheet built from an archive's pieces: one label per row, in row order, whatever
the row holds, and a writer that can be closed half-way."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader

from gateway.sheetbuild import SheetBuilder, row_label
from shared.formats.rowindex import RowNames
from shared.render import render_data_uri
from shared.rowindex import rows_text
from shared.rows.styling import Styling
from shared.schemas import ARCHIVE_CLOSE, ARCHIVE_OPEN, fragment
from shared.sheets import Modules, layout_for
from tests.shared.test_sheet_pdf import codes_by_cell, text_of

PDF_URI = "data:application/pdf;base64," + "JVBERi0xLjQK"  # a branded pdf's shape


def test_a_row_label_for_every_kind_of_entry() -> None:
    png = render_data_uri("static content", Styling())
    assert row_label(0, png, RowNames("u-1", "Shelf")).caption == "Shelf"
    assert isinstance(row_label(0, png, RowNames("u-1")).code, Modules)
    assert row_label(2, png, RowNames()).caption == "row 3"  # no index line for it
    failed = {"uid": "bad", "status": "failed", "code": 400, "message": "Invalid URL"}
    assert (
        row_label(0, failed, RowNames("bad")).caption,
        row_label(0, failed, RowNames("bad")).code,
    ) == ("bad · failed (400)", None)
    dynamic = {"id": "qr_1", "uid": "d", "url": "https://s.example/r/abc", "QRs": PDF_URI}
    assert isinstance(row_label(0, dynamic, RowNames("d")).code, Modules)  # from its link
    static = row_label(0, PDF_URI, RowNames("s"))
    assert (static.caption, static.code) == ("s · no printable image", None)


def feed(builder: SheetBuilder, entries: list[Any], rows: list[Any], piece_bytes: int) -> bytes:
    stored = ARCHIVE_OPEN + fragment(entries) + ARCHIVE_CLOSE
    builder.archive.index.feed(rows_text(enumerate(rows)))
    builder.archive.index.finish()
    body = bytearray()
    for start in range(0, len(stored), piece_bytes):
        builder.parse(stored[start : start + piece_bytes])
        body += builder.add_labels()
    builder.parse(None)
    return bytes(body + builder.add_labels() + builder.finish())


def test_pieces_of_an_archive_make_the_sheet_in_row_order() -> None:
    entries: list[Any] = [render_data_uri(f"code {i}", Styling()) for i in range(13)]
    entries[4] = {"uid": "r-4", "status": "failed", "code": 500, "message": "x"}
    rows = [{"uid": f"r-{i}", "label": f"L{i}" if i % 2 else None} for i in range(13)]
    builder = SheetBuilder(layout_for("a4-2x5", {}))
    try:
        pdf = feed(builder, entries, rows, 700)
    finally:
        builder.close()
    assert len(PdfReader(io.BytesIO(pdf), strict=True).pages) == 2
    sheet = layout_for("a4-2x5", {})
    assert codes_by_cell(pdf, sheet) == {i: f"code {i}" for i in range(10) if i != 4}
    assert codes_by_cell(pdf, sheet, page=2) == {i: f"code {i + 10}" for i in range(3)}
    assert "r-4 · failed (500)" in text_of(pdf) and "L1" in text_of(pdf)


def test_closing_half_way_and_twice_is_safe() -> None:
    builder = SheetBuilder(layout_for("a4-3x8", {}))
    stored = ARCHIVE_OPEN + fragment([render_data_uri("x", Styling())] * 30) + ARCHIVE_CLOSE
    builder.archive.index.finish()
    builder.parse(stored)
    assert builder.add_labels().startswith(b"%PDF")  # the first page was full
    builder.close()
    builder.close()  # idempotent: a cut download's cleanup may follow a finished one
