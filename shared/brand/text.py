"""The frame's call to action: one packaged font (DejaVu Sans Bold), sized to fit its strip."""

from __future__ import annotations

import functools

import skia

from shared.brand.geometry import Box

FONT_FAMILY = "DejaVu Sans"  # Debian's fonts-dejavu-core; nothing is downloaded at run time
HEIGHT_SHARE, WIDTH_SHARE = 0.6, 0.9


@functools.cache
def typeface() -> skia.Typeface:
    face = skia.Typeface.MakeFromName(FONT_FAMILY, skia.FontStyle.Bold())
    if face is None or FONT_FAMILY not in face.getFamilyName():
        raise RuntimeError(f"the font {FONT_FAMILY} is not installed (fonts-dejavu-core)")
    return face


def fitted(text: str, box: Box) -> tuple[float, float, float]:
    """Font size, centre x and baseline y that fit `text` in `box` (module units)."""
    x, y, width, height = box
    per_unit = skia.Font(typeface(), 1.0).measureText(text) or 1.0
    size = min(height * HEIGHT_SHARE, width * WIDTH_SHARE / per_unit)
    return size, x + width / 2, y + height / 2 + size * 0.36
