"""Helpers for the branded-code tests: logos, decoding every output format."""

from __future__ import annotations

import base64
import io
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import cairosvg
import zxingcpp
from PIL import Image

from shared.brand.assetcheck import check_asset
from shared.brand.logos import logo_of
from shared.rows.styling import Styling, parse_styling


def png_logo() -> bytes:
    image = Image.new("RGB", (80, 80), (200, 30, 30))
    image.paste((250, 220, 40), (20, 20, 60, 60))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


SVG_LOGO = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
            b'<circle cx="50" cy="50" r="45" fill="#1565c0"/>'
            b'<path d="M30 50h40M50 30v40" stroke="#fff" stroke-width="10"/></svg>')


def styled(raw: dict[str, Any], logo: bytes | None = None) -> Styling:
    styling = parse_styling(raw)
    if logo is not None:
        assert styling.brand is not None
        styling = replace(styling, brand=replace(styling.brand,
                                                 logo=logo_of(check_asset(logo))))
    return styling


def body_of(uri: str) -> tuple[str, bytes]:
    header, _, payload = uri.partition(",")
    return header.removeprefix("data:").removesuffix(";base64"), base64.b64decode(payload)


def read(image: Image.Image) -> str | None:
    grey = Image.alpha_composite(Image.new("RGBA", image.size, "white"),
                                 image.convert("RGBA")).convert("L")
    found = zxingcpp.read_barcode(grey)
    return None if found is None else str(found.text)


def decode_png(data: bytes) -> str | None:
    return read(Image.open(io.BytesIO(data)))


def decode_svg(data: bytes) -> str | None:
    return decode_png(cairosvg.svg2png(bytestring=data))


def decode_pdf(data: bytes) -> str | None:
    """Rasterise the PDF's page with poppler's pdftoppm, as a print shop's RIP would."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "code.pdf"
        source.write_bytes(data)
        subprocess.run(["pdftoppm", "-r", "144", "-png", "-singlefile", str(source),
                        str(Path(tmp) / "page")], check=True, timeout=60)
        return decode_png((Path(tmp) / "page.png").read_bytes())
