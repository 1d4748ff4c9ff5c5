"""Captions: cleaned of control characters, shaped (bidi, joining scripts), shrunk to fit
their strip and, at the smallest size, cut with an ellipsis. One packaged font family
(DejaVu Sans, the frame text's), with the system's fonts as fallback for other scripts."""

from __future__ import annotations

import unicodedata

import skia

from shared.brand.text import FONT_FAMILY, typeface

MAX_PT, MIN_PT = 10.0, 5.0  # 5 pt is the smallest print still read without a loupe
HEIGHT_SHARE = 0.72  # of the strip, for the font size (leaves room for descenders)
MAX_CHARS = 160  # longer captions are cut before shaping: none would fit a label anyway
ELLIPSIS = "…"
WIDE_PT = 1e6  # a layout width that never wraps, to measure the natural width
BREAKS = {"Cc", "Zl", "Zp"}  # controls, line and paragraph separators: read as spaces


def clean(caption: str) -> str:
    """One line of printable text: controls become spaces, runs of space collapse, NFC."""
    text = caption[: MAX_CHARS * 2].encode("utf-8", "replace").decode("utf-8")
    text = "".join(" " if unicodedata.category(ch) in BREAKS else ch for ch in text)
    text = " ".join(unicodedata.normalize("NFC", text).split())
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + ELLIPSIS


class CaptionWriter:
    """Draws captions on a canvas; holds the font collection, so make one per sheet."""

    def __init__(self) -> None:
        typeface()  # fails here, naming the package, when the font is missing
        self._fonts = skia.textlayout_FontCollection()
        self._fonts.setDefaultFontManager(skia.FontMgr())
        self._unicode = skia.Unicode()

    def draw(
        self, canvas: skia.Canvas, caption: str, box: tuple[float, float, float, float]
    ) -> None:
        """`caption` centred in `box` (x, y, width, height in points), on one line."""
        x, y, width, height = box
        text = clean(caption)
        if not text or width <= 0:
            return
        size = min(MAX_PT, height * HEIGHT_SHARE)
        paragraph = self._paragraph(text, size)
        natural = paragraph.MaxIntrinsicWidth
        if natural > width:
            size = max(MIN_PT, size * width / natural * 0.98)
            text = self._fitted(text, size, width)
            paragraph = self._paragraph(text, size)
            natural = paragraph.MaxIntrinsicWidth
        # laid out left-aligned on an unbounded line, so centring is an offset: no relayout
        paragraph.paint(canvas, x + (width - natural) / 2, y + (height - paragraph.Height) / 2)

    def _fitted(self, text: str, size: float, width: float) -> str:
        """`text`, or as much of it as fits `width` at `size` followed by an ellipsis."""
        candidate, keep = text, len(text)
        while keep > 0:
            natural = self._paragraph(candidate, size).MaxIntrinsicWidth
            if natural <= width:
                return candidate
            keep = min(keep - 1, int(keep * width / natural))
            candidate = text[:keep].rstrip() + ELLIPSIS
        return ELLIPSIS

    def _paragraph(self, text: str, size: float) -> skia.textlayout_Paragraph:
        style = skia.textlayout_TextStyle()
        style.setFontFamilies([FONT_FAMILY])
        style.setFontSize(size)
        style.setColor(skia.ColorBLACK)
        paragraph_style = skia.textlayout_ParagraphStyle()
        paragraph_style.setTextStyle(style)
        paragraph_style.setTextAlign(skia.textlayout_TextAlign.kLeft)
        builder = skia.textlayout_ParagraphBuilder.make(paragraph_style, self._fonts, self._unicode)
        builder.addText(text)
        paragraph = builder.Build()
        paragraph.layout(WIDE_PT)
        return paragraph
