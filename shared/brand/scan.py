"""Scannable or refused: contrast, the logo's share against the error-correction level, and
a decode of the final raster at full and at half size."""

from __future__ import annotations

import numpy as np
import zxingcpp
from PIL import Image

from shared.brand.colour import MIN_CONTRAST, Rgb, contrast, to_hex
from shared.brand.geometry import Layout
from shared.brand.paint import WHITE, Paints, dark_colours
from shared.brand.skiaparts import Pixels
from shared.errors import RowInvalid

# Share of a code's modules each level can restore (ISO/IEC 18004), and how much of that a
# logo may take: the rest stays for print smudges, glare and the camera.
RECOVERY = {"L": 0.07, "M": 0.15, "Q": 0.25, "H": 0.30}
LOGO_BUDGET = 0.6
QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def check_contrast(paint: Paints) -> None:
    light = paint.light or WHITE
    named = [("dark" if paint.modules.gradient is None else "gradient", paint.modules),
             ("eyes.color", paint.eye_rings), ("eyes.innerColor", paint.eye_centres)]
    for name, fill in named:
        for colour in dark_colours(fill):
            _contrast(colour, light, name)


def _contrast(dark: Rgb, light: Rgb, name: str) -> None:
    ratio = contrast(dark, light)
    if ratio < MIN_CONTRAST:
        raise RowInvalid(
            f"styling.{name} {to_hex(dark)} on {to_hex(light)} has a contrast of {ratio:.1f}:1; "
            f"a scanner needs at least {MIN_CONTRAST:g}:1: darken the code or lighten the "
            "background")


def check_logo(shape: Layout, modules: int, level: str) -> None:
    share = shape.cleared / (modules * modules)
    budget = RECOVERY[level] * LOGO_BUDGET
    if share > budget:
        raise RowInvalid(
            f"styling.logoSize: the logo and its padding cover {share:.0%} of the code, more "
            f"than errorCorrection {level} can carry ({budget:.0%}): use a smaller logoSize "
            "or logoPadding, or errorCorrection H")


def check_reads_back(image: Image.Image, pixels: Pixels, payload: str) -> None:
    """Decode the image as drawn (over white where transparent), then at half size.

    `pixels` is `image` as an array, which the caller keeps for the PNG writer too."""
    seen = image
    if image.mode != "RGB":
        seen = Image.alpha_composite(Image.new("RGBA", image.size, WHITE), image).convert("RGB")
        pixels = np.asarray(seen)
    for view, size in ((pixels, "full"), (np.asarray(seen.reduce(2)), "half")):  # 2x2 means
        found = zxingcpp.read_barcode(
            zxingcpp.ImageView(view, view.shape[1], view.shape[0], zxingcpp.ImageFormat.RGB),
            formats=QR_ONLY, try_rotate=False)
        if found is None or found.text != payload:
            raise RowInvalid(
                f"the branded code does not scan back at {size} size: use a smaller "
                "styling.logoSize, darker modules or eyes, a stronger gradient contrast, "
                "or styling.modules square")
