"""What one label carries: its caption and its code, from an archive image or re-encoded."""

from __future__ import annotations

import base64
import binascii
import urllib.parse
from dataclasses import dataclass

from shared.brand.colour import Rgb
from shared.formats import registry
from shared.render import Matrix, encode_matrix
from shared.sheets.modules import MAX_SIDE_PX, modules_from_png, modules_from_svg, png_size

BLACK: Rgb = (0, 0, 0)
MAX_IMAGE_BYTES = 8 * 1024 * 1024  # far above any code the renderer writes


@dataclass(frozen=True, eq=False)
class Modules:
    """A QR code as its modules (True = dark, no quiet zone), drawn as vector rectangles."""

    matrix: Matrix
    dark: Rgb = BLACK
    light: Rgb | None = None  # None: the paper shows through


@dataclass(frozen=True)
class Picture:
    """An image placed as it is: an SVG as vectors, a PNG as pixels (branded codes)."""

    media_type: str
    data: bytes

    @property
    def vector(self) -> bool:
        entry = registry.by_media_type(self.media_type)
        return entry is not None and entry.vector


@dataclass(frozen=True)
class Label:
    """One cell of a sheet. Without a code only the caption is printed (a failed row)."""

    caption: str
    code: Modules | Picture | None = None


def caption_for(uid: object, label: object = None) -> str:
    """The row's `label` when it is a non-blank string or a number, else its uid."""
    for value in (label, uid):
        if isinstance(value, str) and value.strip():
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
    return ""


def label_from_payload(caption: str, payload: str, error_correction: str = "M") -> Label:
    """Re-encode the code from its content (a dynamic row's short link, say)."""
    return Label(caption, Modules(encode_matrix(payload, error_correction)))


def label_from_data_uri(caption: str, data_uri: str) -> Label:
    """The label of an archive image. A plain code's PNG or SVG becomes its modules again
    (vectors at any size); a branded one is placed as it is. ValueError for an image of a
    format the registry does not mark `sheet` (a branded pdf or eps row, a registered format:
    use label_from_payload instead)."""
    media_type, data = decode_data_uri(data_uri)
    image_format = registry.by_media_type(media_type)
    if image_format is None or not image_format.sheet:
        placed = " and ".join(fmt.media_type for fmt in registry.formats() if fmt.sheet)
        raise ValueError(f"a {media_type[:40]} image cannot be placed on a sheet; only {placed}")
    recovered = modules_from_svg(data) if image_format.vector else modules_from_png(data)
    if recovered is None:
        if not image_format.vector and not 0 < max(png_size(data) or (0,)) <= MAX_SIDE_PX:
            raise ValueError(f"the PNG is not an image of at most {MAX_SIDE_PX} px a side")
        return Label(caption, Picture(media_type, data))
    matrix, dark, light = recovered
    return Label(caption, Modules(matrix, dark, light))


def decode_data_uri(data_uri: str) -> tuple[str, bytes]:
    """The media type (lower case) and bytes of a data URI, base64 or percent-encoded."""
    header, comma, payload = data_uri.partition(",")
    if not header.startswith("data:") or not comma:
        raise ValueError("the image is not a data URI")
    media_type, *params = header.removeprefix("data:").split(";")
    if len(payload) > MAX_IMAGE_BYTES * 4 // 3 + 4:
        raise ValueError(f"the image is over {MAX_IMAGE_BYTES // (1024 * 1024)} MB")
    if "base64" not in params:
        return media_type.strip().lower(), urllib.parse.unquote_to_bytes(payload)
    try:
        return media_type.strip().lower(), base64.b64decode(payload, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"the image's base64 is damaged: {exc}") from exc
