"""The label-sheet PDF: pages and page sizes per preset, codes that scan from a rasterised
page in their cells, captions as text, hostile captions, and streaming as labels arrive."""

from __future__ import annotations

import io
import math
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from shared.render import QR_ONLY, render_data_uri
from shared.rows.styling import Styling, parse_styling
from shared.sheets import (
    Label,
    SheetLayout,
    SheetWriter,
    label_from_data_uri,
    layout_for,
    sheet_pdf,
)
from shared.sheets.cells import PT_PER_MM
from shared.sheets.layout import PRESETS

DPI = 150
HOSTILE = [
    "x" * 1000,
    "שלום עולם 123",
    "مرحبا بالعالم",
    "emoji 😀🎉👨‍👩‍👧 flags 🇫🇷",
    "ctrl\x00\x07\x1b[31mred\r\nnext\x7f",
    "lone \ud800 half",
    "",
    "\u202eoverride\u202c and \u200bzero width",
    "(unbalanced \\ parens ) ( %%EOF endobj",
]


def payload(i: int) -> str:
    return f"https://bulkqr.example/r/Sheet{i:05d}"


def labels(count: int, styling: Styling | None = None) -> list[Label]:
    return [
        label_from_data_uri(f"uid-{i}", render_data_uri(payload(i), styling or Styling()))
        for i in range(count)
    ]


def pdf_of(items: list[Label], sheet: SheetLayout) -> bytes:
    return b"".join(sheet_pdf(items, sheet))


def run(*command: str) -> bytes:
    return subprocess.run(command, check=True, capture_output=True, timeout=120).stdout


def text_of(pdf: bytes, page: int = 1) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        return run(
            "pdftotext", "-f", str(page), "-l", str(page), "-layout", file.name, "-"
        ).decode()


def raster(pdf: bytes, page: int = 1) -> Image.Image:
    """The page as poppler's pdftoppm prints it, at DPI."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "sheet.pdf"
        source.write_bytes(pdf)
        run(
            "pdftoppm",
            "-r",
            str(DPI),
            "-png",
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(source),
            str(Path(tmp) / "page"),
        )
        return Image.open(Path(tmp) / "page.png").convert("L")


def codes_by_cell(pdf: bytes, sheet: SheetLayout, page: int = 1) -> dict[int, str]:
    """The text of every code found on the page, keyed by the cell its centre lies in."""
    found: dict[int, str] = {}
    for code in zxingcpp.read_barcodes(raster(pdf, page), formats=QR_ONLY):
        corners = [code.position.top_left, code.position.bottom_right]
        x_mm = sum(p.x for p in corners) / 2 / DPI * 25.4
        y_mm = sum(p.y for p in corners) / 2 / DPI * 25.4
        for slot in range(sheet.per_page):
            left, top = sheet.cell_mm(slot)
            if left <= x_mm <= left + sheet.cell_w_mm and top <= y_mm <= top + sheet.cell_h_mm:
                found[slot] = code.text
    return found


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_pages_sizes_and_codes_per_preset(name: str) -> None:
    sheet = layout_for(name, {"cropMarks": "true"})
    count = sheet.per_page * 2 + 1
    pdf = pdf_of(labels(count), sheet)
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    assert len(reader.pages) == math.ceil(count / sheet.per_page) == sheet.pages_for(count)
    for page in reader.pages:  # skia rounds the page to whole points: under 0.2 mm off
        assert float(page.mediabox.width) == pytest.approx(sheet.page_w_mm * PT_PER_MM, abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(sheet.page_h_mm * PT_PER_MM, abs=0.5)
    assert codes_by_cell(pdf, sheet) == {slot: payload(slot) for slot in range(sheet.per_page)}
    assert codes_by_cell(pdf, sheet, page=3) == {0: payload(count - 1)}
    words = text_of(pdf).split()
    assert words == [f"uid-{slot}" for slot in range(sheet.per_page)]


def test_a_custom_grid_on_letter() -> None:
    sheet = layout_for(
        "custom",
        {
            "page": "letter",
            "cols": "4",
            "rows": "5",
            "cellW": "40",
            "cellH": "45",
            "gapX": "5",
            "gapY": "3",
            "marginTop": "20",
        },
    )
    pdf = pdf_of(labels(23), sheet)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    assert float(reader.pages[0].mediabox.width) == pytest.approx(612, abs=0.5)
    assert codes_by_cell(pdf, sheet) == {slot: payload(slot) for slot in range(20)}


def test_svg_and_branded_codes_scan_too() -> None:
    sheet = PRESETS["a4-2x5"]
    kinds = [
        parse_styling({"format": "svg", "dark": "#1a237e"}),
        parse_styling({"modules": "dots", "eyes": {"shape": "circle"}}),
        parse_styling({"modules": "rounded", "format": "svg", "frame": {"text": "Scan"}}),
    ]
    items = [
        label_from_data_uri(f"k{i}", render_data_uri(payload(i), styling))
        for i, styling in enumerate(kinds)
    ]
    pdf = pdf_of(items, sheet)
    assert codes_by_cell(pdf, sheet) == {i: payload(i) for i in range(3)}


def test_hostile_captions_keep_the_pdf_whole() -> None:
    sheet = PRESETS["a4-3x8"]
    items = [
        Label(caption, code.code)
        for caption, code in zip(HOSTILE, labels(len(HOSTILE)), strict=True)
    ]
    pdf = pdf_of(items, sheet)
    assert len(PdfReader(io.BytesIO(pdf), strict=True).pages) == 1
    assert codes_by_cell(pdf, sheet) == {i: payload(i) for i in range(len(HOSTILE))}
    text = text_of(pdf)
    long_line = next(word for word in text.split() if word.startswith("xxx"))
    assert long_line.endswith("…") and len(long_line) < 60  # ellipsised to fit its cell
    for visible in ("שלום", "emoji", "ctrl", "red next", "lone ? half", "zero width", "%%EOF"):
        assert visible in text
    assert "edirrevo" in text  # the right-to-left override is honoured, as bidi requires
    assert "\x00" not in text and "\x1b" not in text


def test_a_label_without_a_code_prints_its_caption() -> None:
    pdf = pdf_of([Label("failed-row-7")], PRESETS["a4-3x8"])
    assert "failed-row-7" in text_of(pdf)
    assert codes_by_cell(pdf, PRESETS["a4-3x8"]) == {}


def test_an_empty_sheet_is_one_blank_page() -> None:
    reader = PdfReader(io.BytesIO(pdf_of([], PRESETS["letter-3x10"])), strict=True)
    assert len(reader.pages) == 1


def test_pages_are_written_as_labels_arrive() -> None:
    sheet = PRESETS["a4-2x5"]
    source = labels(sheet.per_page * 3)
    pulled = 0

    def feed() -> Iterator[Label]:
        nonlocal pulled
        for label in source:
            pulled += 1
            yield label

    stream = sheet_pdf(feed(), sheet)
    first = next(stream)
    assert first.startswith(b"%PDF-")
    assert pulled == sheet.per_page  # the first page went out before the second was read
    rest = list(stream)
    assert len(rest) == 3  # two more pages, then the trailer
    assert len(PdfReader(io.BytesIO(first + b"".join(rest)), strict=True).pages) == 3


def test_stopping_early_releases_the_spool() -> None:
    before = len(os.listdir("/proc/self/fd"))
    stream = sheet_pdf(iter(labels(25)), PRESETS["a4-3x8"])
    next(stream)
    stream.close()
    assert len(os.listdir("/proc/self/fd")) == before


def test_a_writer_takes_labels_in_batches() -> None:
    sheet = PRESETS["a4-2x5"]
    source = labels(25)
    writer = SheetWriter(sheet)
    try:
        pieces = [writer.add(source[:4]), writer.add(source[4:12]), writer.add([])]
        pieces += [writer.add(source[12:]), writer.finish()]
    finally:
        writer.close()
        writer.close()  # a second close is harmless
    assert [bool(piece) for piece in pieces] == [False, True, False, True, True]
    pdf = b"".join(pieces)
    assert len(PdfReader(io.BytesIO(pdf), strict=True).pages) == 3
    assert codes_by_cell(pdf, sheet, page=3) == {slot: payload(20 + slot) for slot in range(5)}


def test_a_writer_closed_unfinished_leaves_nothing_open() -> None:
    before = len(os.listdir("/proc/self/fd"))
    writer = SheetWriter(PRESETS["a4-3x8"])
    writer.add(labels(30))
    writer.close()
    assert len(os.listdir("/proc/self/fd")) == before
