"""A format module that must stop a start: its format takes PNG's media type."""

from __future__ import annotations

from shared.formats.registry import ImageFormat, register

register(ImageFormat("png2", "image/png", ".png2", vector=False,
                     writer="shared.brand.pngwrite:png_bytes"))
