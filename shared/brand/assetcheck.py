"""Check an uploaded image before anything keeps it: sniff its type, decode rasters under a
pixel cap and re-encode them as PNG, rebuild SVGs from an allow-list under a drawing budget."""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from PIL import Image

from shared.brand import svgbudget, svgclean
from shared.brand.refusal import AssetRefused

__all__ = ["MAX_ASSET_BYTES", "MAX_STORED_BYTES", "AssetRefused", "CheckedAsset", "check_asset"]

MAX_ASSET_BYTES = 1024 * 1024
MAX_ASSET_PX = 4096
# What is kept of a raster, re-encoded as PNG: a logo is drawn at most 0.3 of a 4096 px
# code (1,229 px; 6 MB raw, 1-3 MB as the PNG of a photo), and eight such logos fit a
# worker's 32 MiB logo cache (shared/uploadcheck.py says more).
MAX_STORED_BYTES = 4 * 1024 * 1024
SVG_NS, XLINK_NS = svgclean.SVG_NS, svgclean.XLINK_NS
RASTER_MAGIC = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}
LENGTH_RE = re.compile(r"\s*([0-9]*\.?[0-9]+)\s*(px)?\s*")
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)


@dataclass(frozen=True)
class CheckedAsset:
    kind: str  # what is stored: png (every raster, re-encoded) or svg (sanitised)
    data: bytes
    width: int
    height: int
    sha256: str


def check_asset(data: bytes) -> CheckedAsset:
    if len(data) > MAX_ASSET_BYTES:
        raise AssetRefused(f"the image is larger than {MAX_ASSET_BYTES} bytes", 413)
    if _raster_format(data):
        return _raster(data)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
        return _svg(data)
    raise AssetRefused("the file is not a PNG, JPEG, WebP or SVG image", 415)


def _raster_format(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return next((name for magic, name in RASTER_MAGIC.items() if data.startswith(magic)), None)


def _raster(data: bytes) -> CheckedAsset:
    fmt = _raster_format(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[fmt] if fmt else None)
            _check_px(*image.size)  # before any pixel is decoded
            image.load()
        out = _CappedBuffer()
        image.convert("RGBA").save(out, "PNG")
    except AssetRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise AssetRefused(f"the image has more pixels than {MAX_ASSET_PX}x{MAX_ASSET_PX}; "
                           "it was not decoded") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise AssetRefused(f"the image could not be decoded as {fmt}: {exc}") from exc
    return _checked("png", out.getvalue(), *image.size)


class _CappedBuffer(io.BytesIO):
    """The re-encoded PNG, refused as soon as it passes MAX_STORED_BYTES: Pillow writes
    as it compresses, so a noisy image is refused a fraction of the way through (a 4096 px
    smooth-noise JPEG became a 23 MB PNG; encoding all of it cost seconds of a process)."""

    def write(self, data: Any) -> int:
        if self.tell() + len(data) > MAX_STORED_BYTES:
            raise AssetRefused(
                "the image is too big once re-encoded without loss as PNG: the largest kept "
                f"is {MAX_STORED_BYTES} bytes; upload fewer pixels (a logo is never drawn "
                "wider than 1229 px) or a less noisy image", 413)
        return super().write(data)


def _check_px(width: float, height: float) -> None:
    if not (0 < width <= MAX_ASSET_PX and 0 < height <= MAX_ASSET_PX):
        raise AssetRefused(f"the image is {width:g}x{height:g} px; the largest accepted is "
                           f"{MAX_ASSET_PX}x{MAX_ASSET_PX}")


def _svg(data: bytes) -> CheckedAsset:
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                 forbid_external=True)
    except DefusedXmlException as exc:
        raise AssetRefused("SVG refused: DOCTYPE, entities and external references are not "
                           "accepted") from exc
    except ET.ParseError as exc:
        raise AssetRefused(f"the SVG is not well-formed XML: {exc}") from exc
    if root.tag != f"{{{SVG_NS}}}svg":
        tag = str(root.tag).rpartition("}")[2]
        raise AssetRefused(f"the file is not a PNG, JPEG, WebP or SVG image (markup whose "
                           f"root is <{tag[:40]}>, not <svg>)", 415)
    svgbudget.check_written(root)
    clean = svgclean.clean_svg(root)
    svgbudget.expanded_elements(clean.root, clean.rules)
    width, height = _svg_size(clean.root)
    clean.root.set("width", f"{width:g}")
    clean.root.set("height", f"{height:g}")
    return _checked("svg", ET.tostring(clean.root), round(width), round(height))


def _svg_size(root: ET.Element) -> tuple[float, float]:
    sizes = [LENGTH_RE.fullmatch(root.get(key, "")) for key in ("width", "height")]
    if sizes[0] and sizes[1]:
        width, height = float(sizes[0].group(1)), float(sizes[1].group(1))
    else:
        box = (root.get("viewBox") or "").replace(",", " ").split()
        try:
            width, height = float(box[2]), float(box[3])
        except (IndexError, ValueError) as exc:
            raise AssetRefused("the SVG needs a viewBox, or a width and height in px") from exc
    _check_px(width, height)
    return width, height


def _checked(kind: str, data: bytes, width: int, height: int) -> CheckedAsset:
    return CheckedAsset(kind, data, width, height, hashlib.sha256(data).hexdigest())
