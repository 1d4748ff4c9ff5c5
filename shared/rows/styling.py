"""The `styling` object of a row: parsed and range-checked, never silently clamped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.brand.colour import parse_colour
from shared.brand.options import Brand, parse_brand, wants_brand
from shared.errors import RowInvalid
from shared.formats import registry
from shared.formats.registry import ImageFormat

MIN_SIZE_PX, MAX_SIZE_PX, DEFAULT_SIZE_PX = 64, 4096, 300
MAX_SCALE, MAX_MARGIN, DEFAULT_MARGIN = 100, 32, 4
ERROR_LEVELS = ("L", "M", "Q", "H")
Rgb = tuple[int, int, int]


@dataclass(frozen=True)
class Styling:
    """How to draw one QR. `size_px` and `scale` are exclusive; one of them is set."""

    format: str = "png"
    size_px: int | None = DEFAULT_SIZE_PX
    scale: int | None = None
    margin: int = DEFAULT_MARGIN
    dark: Rgb = (0, 0, 0)
    light: Rgb | None = (255, 255, 255)  # None: transparent
    error_correction: str = "M"
    brand: Brand | None = None  # None: plain squares, the 1-bit fast path

    @property
    def image_format(self) -> ImageFormat:
        """The registry's entry of `format`; RowInvalid in a process that lacks it."""
        entry = registry.by_name(self.format)
        if entry is None:
            raise RowInvalid(_unknown_format())
        return entry


DEFAULT_STYLING = Styling()


def parse_styling(raw: Any) -> Styling:
    """A Styling from a row's `styling` value, or RowInvalid naming the bad field."""
    if raw is None:
        return DEFAULT_STYLING
    if not isinstance(raw, dict):
        raise RowInvalid("styling must be an object")
    fmt = raw.get("format", "png")
    if not isinstance(fmt, str) or registry.by_name(fmt) is None:
        raise RowInvalid(_unknown_format())
    size_px, scale = _size_and_scale(raw)
    brand = parse_brand(raw) if wants_brand(raw) else None
    # A logo raises errorCorrection to H unless the row sets it.
    level = raw.get("errorCorrection", "H" if brand and brand.logo_ref else "M")
    if level not in ERROR_LEVELS:
        raise RowInvalid("styling.errorCorrection must be L, M, Q or H")
    return Styling(
        format=fmt, size_px=size_px, scale=scale,
        margin=_int(raw, "margin", DEFAULT_MARGIN, 0, MAX_MARGIN),
        dark=parse_colour(raw.get("dark", "#000000"), "dark"),
        light=None if raw.get("light") == "transparent"
        else parse_colour(raw.get("light", "#ffffff"), "light", transparent_ok=True),
        error_correction=level, brand=brand,
    )


def _unknown_format() -> str:
    *first, last = registry.names()
    return f"styling.format must be {', '.join(first)} or {last}"


def _size_and_scale(raw: dict[str, Any]) -> tuple[int | None, int | None]:
    if raw.get("size") is not None and raw.get("scale") is not None:
        raise RowInvalid("styling: give size or scale, not both")
    if raw.get("scale") is not None:
        return None, _int(raw, "scale", 1, 1, MAX_SCALE)
    return _int(raw, "size", DEFAULT_SIZE_PX, MIN_SIZE_PX, MAX_SIZE_PX), None


def _int(raw: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RowInvalid(f"styling.{key} must be an integer")
    if not low <= value <= high:
        raise RowInvalid(f"styling.{key} must be between {low} and {high}, got {value}")
    return value
