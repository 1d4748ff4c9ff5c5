"""Numbers from text a stranger wrote: plain ASCII digits only, or None.

`int()` and `float()` also read other scripts' digits (Arabic-Indic, fullwidth), underscores
(`60_0`), surrounding spaces, signs, exponents, `nan` and `inf`; no caller of the API
means any of those, and a parse that takes them silently reads what nobody wrote.
"""

from __future__ import annotations

import re

MAX_DIGITS = 9  # either side of the point: past any count or size the API takes
ASCII_INT = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}")
ASCII_DECIMAL = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}(?:\.[0-9]{{1,{MAX_DIGITS}}})?")


def ascii_int(text: str) -> int | None:
    """`text` as a whole number when it is 1 to MAX_DIGITS ASCII digits, else None."""
    return int(text) if ASCII_INT.fullmatch(text) else None


def ascii_decimal(text: str) -> float | None:
    """`text` as a number when it is ASCII digits with an optional `.fraction`, else None."""
    return float(text) if ASCII_DECIMAL.fullmatch(text) else None
