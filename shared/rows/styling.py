"""The `styling` object of a row: parsed and range-checked, never silently clamped."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from shared.rows.payloads import RowInvalid

# Matched with fullmatch: `$` would also accept a trailing newline.
HEX_RE = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
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


DEFAULT_STYLING = Styling()


def parse_styling(raw: Any) -> Styling:
    """A Styling from a row's `styling` value, or RowInvalid naming the bad field."""
    if raw is None:
        return DEFAULT_STYLING
    if not isinstance(raw, dict):
        raise RowInvalid("styling must be an object")
    fmt = raw.get("format", "png")
    if fmt not in ("png", "svg"):
        raise RowInvalid("styling.format must be png or svg")
    size_px, scale = _size_and_scale(raw)
    level = raw.get("errorCorrection", "M")
    if level not in ERROR_LEVELS:
        raise RowInvalid("styling.errorCorrection must be L, M, Q or H")
    return Styling(
        format=fmt, size_px=size_px, scale=scale,
        margin=_int(raw, "margin", DEFAULT_MARGIN, 0, MAX_MARGIN),
        dark=_colour(raw.get("dark", "#000000"), "dark"),
        light=None if raw.get("light") == "transparent"
        else _colour(raw.get("light", "#ffffff"), "light"),
        error_correction=level,
    )


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


def _colour(value: Any, key: str) -> Rgb:
    if not isinstance(value, str) or not HEX_RE.fullmatch(value):
        allowed = "a hex colour like #1a2b3c" + (" or transparent" if key == "light" else "")
        raise RowInvalid(f"styling.{key} must be {allowed}")
    digits = value[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)
