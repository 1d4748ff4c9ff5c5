"""Hex colours: parsing (the field named when wrong) and WCAG contrast between two of them."""

from __future__ import annotations

import re
from typing import Any

from shared.errors import RowInvalid

Rgb = tuple[int, int, int]
MIN_CONTRAST = 3.0  # WCAG's ratio for large text and graphics; what a scanner needs too
# Matched with fullmatch: `$` would also accept a trailing newline.
HEX_RE = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def parse_colour(value: Any, key: str, *, transparent_ok: bool = False) -> Rgb:
    """`#abc` or `#aabbcc` as RGB, or RowInvalid naming `styling.<key>`."""
    if not isinstance(value, str) or not HEX_RE.fullmatch(value):
        allowed = "a hex colour like #1a2b3c" + (" or transparent" if transparent_ok else "")
        raise RowInvalid(f"styling.{key} must be {allowed}")
    digits = value[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def to_hex(rgb: Rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def luminance(rgb: Rgb) -> float:
    """WCAG 2 relative luminance, 0 (black) to 1 (white)."""
    linear = [c / 255 / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: Rgb, b: Rgb) -> float:
    """WCAG contrast ratio, 1 (same) to 21 (black on white)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def require_contrast(fore: Rgb, back: Rgb, key: str, advice: str) -> None:
    """RowInvalid naming `styling.<key>` when `fore` on `back` is under MIN_CONTRAST."""
    ratio = contrast(fore, back)
    if ratio < MIN_CONTRAST:
        raise RowInvalid(
            f"styling.{key} {to_hex(fore)} on {to_hex(back)} has a contrast of {ratio:.1f}:1, "
            f"under the {MIN_CONTRAST:g}:1 it needs: {advice}")
