"""Test helpers: read a QR image file back to its text, and render rows' images locally."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import numpy as np
import segno
import zxingcpp
from PIL import Image


def decode_png_file(path: Path) -> str:
    """The text the QR code in a PNG file decodes to (exactly one code expected)."""
    with Image.open(path) as image:
        found = zxingcpp.read_barcodes(image.convert("L"))
    assert len(found) == 1, f"{path.name}: expected one QR code, found {len(found)}"
    return str(found[0].text)


VIEWBOX = re.compile(rb'viewBox="0 0 (\d+) (\d+)"')
RUN = re.compile(rb"M(\d+) (\d+)h(\d+)v1h-\d+z")


def decode_svg_file(path: Path) -> str:
    """The text of a QR code drawn as the gateway draws SVGs: one `M x y h w v1 h-w z` path
    run per stretch of dark modules. Rasterised at 4 px a module, then read back."""
    svg = path.read_bytes()
    box = VIEWBOX.search(svg)
    assert box is not None, f"{path.name}: no viewBox"
    grid = np.full((int(box[2]), int(box[1])), 255, dtype=np.uint8)
    runs = RUN.findall(svg)
    assert runs, f"{path.name}: no module runs found"
    for x, y, width in runs:
        grid[int(y), int(x): int(x) + int(width)] = 0
    found = zxingcpp.read_barcodes(np.repeat(np.repeat(grid, 4, 0), 4, 1))
    assert len(found) == 1, f"{path.name}: expected one QR code, found {len(found)}"
    return str(found[0].text)


def png_data_uri(text: str) -> str:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=4)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def svg_data_uri(text: str) -> str:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=4)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()
