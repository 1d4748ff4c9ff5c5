"""Strict query-string numbers: ASCII digits only, in a stated range, or a 400 saying so."""

from __future__ import annotations

from shared.errors import BadRequest
from shared.strictnum import ascii_int


def int_param(name: str, text: str, low: int, high: int) -> int:
    """`text` as an integer from `low` to `high`. `str.isdigit` and `int` accept other
    scripts' digits (Arabic-Indic, fullwidth) and underscores (`60_0`); here only ASCII."""
    value = ascii_int(text)
    if value is None or not low <= value <= high:
        raise BadRequest(f"{name} must be an integer from {low} to {high} in ASCII digits")
    return value


def limit_param(text: str | None, default: int, high: int) -> int:
    """A listing's `limit`: `default` when absent, else 1 to `high`."""
    return default if text is None else int_param("limit", text, 1, high)
