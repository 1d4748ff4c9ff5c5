"""Label-sheet layouts: the presets' real dimensions, custom grids, and every refusal."""

from __future__ import annotations

import dataclasses
import re

import pytest

from shared.sheets import PRESETS, SHEETS, SheetLayout, layout_for
from shared.sheets.layout import MAX_CELLS, MIN_CELL_MM

# name: (page mm, cols x rows, cell mm, left/top margin mm, right/bottom margin mm)
REAL = {
    "a4-3x8": ((210, 297), (3, 8), (63.5, 33.9), (7.25, 12.9), (7.25, 12.9)),
    "a4-3x7": ((210, 297), (3, 7), (63.5, 38.1), (7.25, 15.15), (7.25, 15.15)),
    "letter-3x10": ((215.9, 279.4), (3, 10), (66.675, 25.4), (4.7625, 12.7), (4.7625, 12.7)),
    "a4-2x5": ((210, 297), (2, 5), (85, 55), (20, 11), (20, 11)),
}
CUSTOM = {"cols": "4", "rows": "6", "cellW": "45", "cellH": "40"}


@pytest.mark.parametrize("name", sorted(REAL))
def test_presets_have_the_real_sheet_geometry(name: str) -> None:
    page, grid, cell, start, end = REAL[name]
    sheet = layout_for(name, {})
    assert (sheet.page_w_mm, sheet.page_h_mm) == pytest.approx(page)
    assert (sheet.cols, sheet.rows) == grid
    assert (sheet.cell_w_mm, sheet.cell_h_mm) == pytest.approx(cell)
    assert (sheet.margin_left_mm, sheet.margin_top_mm) == pytest.approx(start)
    assert (sheet.margin_right_mm, sheet.margin_bottom_mm) == pytest.approx(end)
    assert not sheet.crop_marks
    assert layout_for(name, {"cropMarks": "true"}).crop_marks


def test_every_preset_is_offered() -> None:
    assert set(PRESETS) == set(REAL)
    assert set(SHEETS) == {*REAL, "custom"}


def test_cells_fill_row_by_row_with_gaps() -> None:
    sheet = layout_for("letter-3x10", {})
    assert sheet.per_page == 30
    assert sheet.cell_mm(0) == pytest.approx((4.7625, 12.7))
    assert sheet.cell_mm(1) == pytest.approx((4.7625 + 66.675 + 3.175, 12.7))
    assert sheet.cell_mm(3) == pytest.approx((4.7625, 12.7 + 25.4))
    last_x, last_y = sheet.cell_mm(29)
    assert last_x + sheet.cell_w_mm == pytest.approx(215.9 - 4.7625)
    assert last_y + sheet.cell_h_mm == pytest.approx(279.4 - 12.7)


def test_cut_lines_are_every_distinct_cell_edge() -> None:
    xs, ys = layout_for("a4-3x8", {}).cut_lines_mm()
    assert len(xs) == 6  # gaps between columns: both edges are cut
    assert len(ys) == 9  # rows touch: one cut serves two labels
    assert xs[0] == pytest.approx(7.25)
    assert ys[-1] == pytest.approx(297 - 12.9)
    xs, ys = layout_for("a4-2x5", {}).cut_lines_mm()
    assert (len(xs), len(ys)) == (3, 6)


@pytest.mark.parametrize(("labels", "pages"), [(0, 1), (1, 1), (24, 1), (25, 2), (240, 10)])
def test_pages_for_a_number_of_labels(labels: int, pages: int) -> None:
    assert layout_for("a4-3x8", {}).pages_for(labels) == pages


def test_custom_grid_is_centred_unless_margins_are_given() -> None:
    sheet = layout_for("custom", CUSTOM)
    assert sheet.name == "custom"
    assert (sheet.page_w_mm, sheet.page_h_mm) == (210, 297)
    assert sheet.margin_left_mm == pytest.approx(sheet.margin_right_mm) == 15
    assert sheet.margin_top_mm == pytest.approx(sheet.margin_bottom_mm) == 28.5
    placed = layout_for(
        "custom",
        {
            **CUSTOM,
            "page": "letter",
            "marginLeft": "5",
            "marginTop": "7.5",
            "gapX": "2",
            "gapY": "1.5",
            "cropMarks": "TRUE",
        },
    )
    assert (placed.page_w_mm, placed.page_h_mm) == (215.9, 279.4)
    assert (placed.margin_left_mm, placed.margin_top_mm) == (5, 7.5)
    assert (placed.gap_x_mm, placed.gap_y_mm) == (2, 1.5)
    assert placed.crop_marks


def test_unrelated_query_keys_are_ignored() -> None:
    assert layout_for("a4-2x5", {"format": "pdf", "sheet": "a4-2x5"}) == PRESETS["a4-2x5"]


REFUSED = [
    ("a5-1x1", {}, "unknown sheet 'a5-1x1': use one of a4-3x8"),
    ("A4-3X8", {}, "unknown sheet"),
    ("a4-3x8", {"cols": "2"}, "cols only apply to sheet=custom"),
    ("a4-3x8", {"cropMarks": "yes"}, "cropMarks must be true or false, not 'yes'"),
    ("custom", {**CUSTOM, "page": "a3"}, "page 'a3' is not one of a4, letter"),
    ("custom", {"rows": "6", "cellW": "45", "cellH": "40"}, "sheet=custom needs cols"),
    ("custom", {"cols": "4", "rows": "6", "cellW": "45"}, "sheet=custom needs cellH (in mm)"),
    ("custom", {**CUSTOM, "cols": "0"}, "cols must be a whole number from 1 to 1000, not '0'"),
    ("custom", {**CUSTOM, "rows": "2.5"}, "rows must be a whole number"),
    ("custom", {**CUSTOM, "rows": "٣"}, "rows must be a whole number"),  # Arabic-Indic 3
    ("custom", {**CUSTOM, "cols": "9" * 5000}, "cols must be a whole number"),
    ("custom", {**CUSTOM, "cellW": "wide"}, "cellW must be a number of mm, not 'wide'"),
    ("custom", {**CUSTOM, "cellW": "-3"}, "cellW must be between 0 and 1000 mm, not '-3'"),
    ("custom", {**CUSTOM, "gapX": "nan"}, "gapX must be between 0 and 1000 mm"),
    ("custom", {**CUSTOM, "gapY": "inf"}, "gapY must be between 0 and 1000 mm"),
    ("custom", {**CUSTOM, "marginTop": "1e9"}, "marginTop must be between 0 and 1000 mm"),
    (
        "custom",
        {**CUSTOM, "cols": "5"},
        "the grid is 225 mm wide with its left margin, more than the page's 210 mm: use fewer cols",
    ),
    ("custom", {**CUSTOM, "marginLeft": "40"}, "220 mm wide with its left margin"),
    (
        "custom",
        {**CUSTOM, "rows": "8"},
        "the grid is 320 mm tall with its top margin, more than the page's 297 mm: use fewer rows",
    ),
    ("custom", {**CUSTOM, "gapY": "20"}, "mm tall with its top margin"),
    (
        "custom",
        {"cols": "17", "rows": "24", "cellW": "12", "cellH": "12"},
        f"17x24 is 408 labels a page; the most is {MAX_CELLS}",
    ),
    ("custom", {**CUSTOM, "cellH": "11.9"}, f"both sides need at least {MIN_CELL_MM:g} mm"),
    (
        "custom",
        {**CUSTOM, "marginLeft": "0", "cropMarks": "true"},
        "crop marks are drawn in the page margins and need at least 3 mm on every side",
    ),
]


@pytest.mark.parametrize(("preset", "params", "message"), REFUSED)
def test_refusals_say_what_to_change(preset: str, params: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as refused:
        layout_for(preset, params)
    assert len(str(refused.value)) < 300


def test_a_layout_built_directly_is_checked_too() -> None:
    with pytest.raises(ValueError, match="cols and rows must be at least 1"):
        dataclasses.replace(PRESETS["a4-3x8"], rows=0)
    with pytest.raises(ValueError, match="sheet a4-2x5: crop marks"):
        SheetLayout("a4-2x5", 210, 297, 2, 5, 85, 55, 20, 11, crop_marks=True, gap_y_mm=2.2)
