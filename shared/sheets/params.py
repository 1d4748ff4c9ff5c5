"""A sheet from the download's query: a preset's name, or `custom` with its grid in mm."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from shared.sheets.layout import PAGES_MM, PRESETS, SheetLayout
from shared.strictnum import ascii_decimal, ascii_int

CUSTOM = "custom"
SHEETS = (*PRESETS, CUSTOM)
SIZES_MM = ("cellW", "cellH", "marginLeft", "marginTop", "gapX", "gapY")
CUSTOM_ONLY = ("cols", "rows", "page", *SIZES_MM)
MAX_MM = 1000.0  # past any page: a figure this big is a typo, said as such
MAX_COUNT = 1000
SHOWN_CHARS = 40  # of a bad value echoed in a message
PLAIN_DIGITS = "write it in plain ASCII digits, like 12.5"


def layout_for(preset: str, params: Mapping[str, str]) -> SheetLayout:
    """The layout `sheet=preset` names; ValueError saying what to change. Only the keys in
    CUSTOM_ONLY and `cropMarks` are read, so the whole query string may be passed."""
    crop_marks = _flag(params, "cropMarks")
    if preset == CUSTOM:
        return _custom(params, crop_marks)
    if preset not in PRESETS:
        raise ValueError(f"unknown sheet {preset[:SHOWN_CHARS]!r}: use one of {', '.join(SHEETS)}")
    extra = [key for key in CUSTOM_ONLY if key in params]
    if extra:
        raise ValueError(
            f"{', '.join(extra)} only apply to sheet=custom; sheet={preset} has a fixed grid"
        )
    return dataclasses.replace(PRESETS[preset], crop_marks=crop_marks)


def _custom(params: Mapping[str, str], crop_marks: bool) -> SheetLayout:
    page = params.get("page", "a4").strip().lower()
    if page not in PAGES_MM:
        raise ValueError(f"page {page[:SHOWN_CHARS]!r} is not one of {', '.join(PAGES_MM)}")
    page_w_mm, page_h_mm = PAGES_MM[page]
    cols, rows = _count(params, "cols"), _count(params, "rows")
    cell_w_mm, cell_h_mm = _mm(params, "cellW"), _mm(params, "cellH")
    gap_x_mm, gap_y_mm = _mm(params, "gapX", 0.0), _mm(params, "gapY", 0.0)
    grid_w_mm = cols * cell_w_mm + (cols - 1) * gap_x_mm
    grid_h_mm = rows * cell_h_mm + (rows - 1) * gap_y_mm
    margin_left_mm = _mm(params, "marginLeft", max(0.0, (page_w_mm - grid_w_mm) / 2))
    margin_top_mm = _mm(params, "marginTop", max(0.0, (page_h_mm - grid_h_mm) / 2))
    return SheetLayout(
        CUSTOM,
        page_w_mm,
        page_h_mm,
        cols,
        rows,
        cell_w_mm,
        cell_h_mm,
        margin_left_mm,
        margin_top_mm,
        gap_x_mm,
        gap_y_mm,
        crop_marks,
    )


def _mm(params: Mapping[str, str], key: str, default: float | None = None) -> float:
    raw = params.get(key)
    if raw is None:
        if default is None:
            raise ValueError(f"sheet=custom needs {key} (in mm)")
        return default
    value = ascii_decimal(raw)
    if value is None or value > MAX_MM:
        raise ValueError(_mm_refusal(key, raw))
    return value


def _mm_refusal(key: str, raw: str) -> str:
    """What is wrong with a size that is not plain ASCII digits from 0 to MAX_MM: not a
    number at all, or one written or sized otherwise (`-3`, `1e9`, `nan`, `60_0`,
    fullwidth or Arabic-Indic digits)."""
    shown = raw[:SHOWN_CHARS]
    try:
        float(raw)
    except ValueError:
        return f"{key} must be a number of mm, not {shown!r}: {PLAIN_DIGITS}"
    return f"{key} must be between 0 and {MAX_MM:g} mm, not {shown!r}: {PLAIN_DIGITS}"


def _count(params: Mapping[str, str], key: str) -> int:
    raw = params.get(key)
    if raw is None:
        raise ValueError(f"sheet=custom needs {key} (a whole number)")
    value = ascii_int(raw)
    if value is None or not 1 <= value <= MAX_COUNT:
        raise ValueError(
            f"{key} must be a whole number from 1 to {MAX_COUNT}, not {raw[:SHOWN_CHARS]!r}: "
            "write it in plain ASCII digits"
        )
    return value


FLAG_VALUES = ("true", "false")  # cropMarks


def _flag(params: Mapping[str, str], key: str) -> bool:
    raw = params.get(key, "false")
    value = raw.strip().lower()
    if value not in FLAG_VALUES:
        raise ValueError(f"{key} must be true or false, not {raw[:SHOWN_CHARS]!r}")
    return value == "true"
