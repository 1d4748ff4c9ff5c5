"""Strict query-string numbers: ASCII digits only, in a stated range, or a 400 saying so."""

from __future__ import annotations

import re

from shared.errors import BadRequest

ASCII_DIGITS = re.compile(r"[0-9]{1,9}")


def int_param(name: str, text: str, low: int, high: int) -> int:
    """`text` as an integer from `low` to `high`. `str.isdigit` and `int` accept other
    scripts' digits (Arabic-Indic, fullwidth) and underscores (`60_0`); here only ASCII."""
    if not ASCII_DIGITS.fullmatch(text) or not low <= int(text) <= high:
        raise BadRequest(f"{name} must be an integer from {low} to {high} in ASCII digits")
    return int(text)


def limit_param(text: str | None, default: int, high: int) -> int:
    """A listing's `limit`: `default` when absent, else 1 to `high`."""
    return default if text is None else int_param("limit", text, 1, high)
