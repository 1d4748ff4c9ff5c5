"""The image formats a row's `styling.format` may name: one entry each, read by every part.

An entry says what a format is (its name on the wire, media type, file extension, vector or
raster, whether a ZIP should store it as is) and how it is drawn: `writer` names the
function, as "module:attribute", that turns a branded drawing into the file's bytes. It
takes the drawing's RGBA pixels (a raster format) or its SVG document (a vector format).
`plain` formats also have the 1-bit fast path of shared/render.py for codes without
branding (a PNG or an SVG, by `vector`); the others always go through the branded drawing.
`sheet` says whether a label sheet can lay it out (it reads the modules back from a PNG or
an SVG). Both are the built-in png's and svg's: a registered format has neither.

Styling validation, rendering, the archive reader, the ZIP, the sheets, the dashboard's
table and the OpenAPI document all read this registry. Adding a format is one module with
its writer and one `register` call; a deployment loads extra format modules named in
BULKQR_FORMAT_MODULES at start (shared/formatplugins.py).

A leaf like the rest of shared/formats: the writer is named, not imported, so the client
can read the table without loading the renderer.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ImageFormat:
    """One output format of a QR image."""

    name: str  # styling.format on the wire
    media_type: str  # in the data URI and Content-Type
    extension: str  # with its dot, for files in a ZIP or a folder
    vector: bool  # the writer reads the SVG document; False: the RGBA pixels
    writer: str  # "module:attribute" of the function writing the file's bytes
    plain: bool = False  # shared/render.py draws it unbranded, without the branded pipeline
    sheet: bool = False  # a label sheet can read its modules back and lay it out
    compressed: bool = False  # already compressed: a ZIP stores it rather than deflating it

    def write(self, drawing: Any) -> bytes:
        """The file's bytes from the drawing's pixels (raster) or SVG document (vector)."""
        module, _, attribute = self.writer.partition(":")
        function: Callable[[Any], bytes] = getattr(importlib.import_module(module), attribute)
        return function(drawing)


PNG = ImageFormat("png", "image/png", ".png", vector=False,
                  writer="shared.brand.pngwrite:png_bytes", plain=True, sheet=True,
                  compressed=True)
SVG = ImageFormat("svg", "image/svg+xml", ".svg", vector=True, writer="shared.brand.vector:as_is",
                  plain=True, sheet=True)
PDF = ImageFormat("pdf", "application/pdf", ".pdf", vector=True,
                  writer="shared.brand.vector:to_pdf", compressed=True)
EPS = ImageFormat("eps", "application/postscript", ".eps", vector=True,
                  writer="shared.brand.vector:to_eps")
BUILT_IN = (PNG, SVG, PDF, EPS)
_FORMATS: dict[str, ImageFormat] = {fmt.name: fmt for fmt in BUILT_IN}


class FormatClash(ValueError):
    """A format registered under a name or media type another format already has."""


def register(fmt: ImageFormat) -> ImageFormat:
    """Add a format; registering the same entry twice is a no-op, a clash is an error."""
    if _FORMATS.get(fmt.name) == fmt:
        return fmt
    if fmt.name in _FORMATS or by_media_type(fmt.media_type) is not None:
        raise FormatClash(f"image format {fmt.name!r} ({fmt.media_type}) is registered already")
    if not fmt.extension.startswith(".") or not fmt.name.isidentifier():
        raise ValueError(f"image format {fmt.name!r}: a plain name and a dotted extension")
    if fmt.plain or fmt.sheet:  # their code reads PNG and SVG only
        raise ValueError(f"image format {fmt.name!r}: plain and sheet are png's and svg's: "
                         "the fast path writes and a label sheet reads only those")
    _FORMATS[fmt.name] = fmt
    return fmt


def unregister(name: str) -> None:
    """Remove a format that is not built in (tests that register a throwaway one)."""
    if any(fmt.name == name for fmt in BUILT_IN):
        raise ValueError(f"{name!r} is built in")
    _FORMATS.pop(name, None)


def names() -> tuple[str, ...]:
    """Every format's wire name, built-in ones first."""
    return tuple(_FORMATS)


def formats() -> tuple[ImageFormat, ...]:
    return tuple(_FORMATS.values())


def by_name(name: str) -> ImageFormat | None:
    return _FORMATS.get(name)


def by_media_type(media_type: str) -> ImageFormat | None:
    """The format of a media type (lower-case, without parameters), or None."""
    return next((fmt for fmt in _FORMATS.values() if fmt.media_type == media_type), None)
