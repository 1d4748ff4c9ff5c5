"""Label-sheet geometry: the presets, a custom grid from query parameters, and its checks."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

PAGES_MM = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
INCH_MM = 25.4
MIN_CELL_MM = 12.0  # room for a code a phone still reads, with its caption under it
MAX_CELLS = 400  # per page; more would shrink the codes past what a camera resolves
CROP_OFFSET_MM, CROP_MIN_MM, CROP_MAX_MM = 1.0, 2.0, 4.0  # marks stop short of the grid
FIT_SLACK_MM = 1e-6  # float sums of published dimensions land a hair past the edge


@dataclass(frozen=True)
class SheetLayout:
    """A grid of equal cells on one page size; every dimension in millimetres."""

    name: str
    page_w_mm: float
    page_h_mm: float
    cols: int
    rows: int
    cell_w_mm: float
    cell_h_mm: float
    margin_left_mm: float
    margin_top_mm: float
    gap_x_mm: float = 0.0
    gap_y_mm: float = 0.0
    crop_marks: bool = False

    def __post_init__(self) -> None:
        for problem in _problems(self):
            raise ValueError(f"sheet {self.name}: {problem}")

    @property
    def per_page(self) -> int:
        return self.cols * self.rows

    @property
    def grid_w_mm(self) -> float:
        return self.cols * self.cell_w_mm + (self.cols - 1) * self.gap_x_mm

    @property
    def grid_h_mm(self) -> float:
        return self.rows * self.cell_h_mm + (self.rows - 1) * self.gap_y_mm

    @property
    def margin_right_mm(self) -> float:
        return self.page_w_mm - self.margin_left_mm - self.grid_w_mm

    @property
    def margin_bottom_mm(self) -> float:
        return self.page_h_mm - self.margin_top_mm - self.grid_h_mm

    def pages_for(self, labels: int) -> int:
        """Pages a sheet of `labels` takes (an empty sheet still has one blank page)."""
        return max(1, math.ceil(labels / self.per_page))

    def cell_mm(self, slot: int) -> tuple[float, float]:
        """Top-left corner of the `slot`-th cell of a page, filled row by row."""
        row, col = divmod(slot, self.cols)
        return (
            self.margin_left_mm + col * (self.cell_w_mm + self.gap_x_mm),
            self.margin_top_mm + row * (self.cell_h_mm + self.gap_y_mm),
        )

    def cut_lines_mm(self) -> tuple[list[float], list[float]]:
        """The x and y of every cell edge, where a guillotine cuts (crop marks point at them)."""
        xs = {
            round(x + dx, 6)
            for x, _ in map(self.cell_mm, range(self.cols))
            for dx in (0.0, self.cell_w_mm)
        }
        ys = {
            round(y + dy, 6)
            for _, y in map(self.cell_mm, range(0, self.per_page, self.cols))
            for dy in (0.0, self.cell_h_mm)
        }
        return sorted(xs), sorted(ys)


def _problems(sheet: SheetLayout) -> Iterator[str]:
    if sheet.cols < 1 or sheet.rows < 1:
        yield "cols and rows must be at least 1"
    if sheet.per_page > MAX_CELLS:
        yield (
            f"{sheet.cols}x{sheet.rows} is {sheet.per_page} labels a page; the most is {MAX_CELLS}"
        )
    if min(sheet.cell_w_mm, sheet.cell_h_mm) < MIN_CELL_MM:
        yield (
            f"cells of {sheet.cell_w_mm:g}x{sheet.cell_h_mm:g} mm are too small for a "
            f"code and its caption; both sides need at least {MIN_CELL_MM:g} mm"
        )
    if sheet.margin_right_mm < -FIT_SLACK_MM:
        yield (
            f"the grid is {sheet.margin_left_mm + sheet.grid_w_mm:g} mm wide with its left "
            f"margin, more than the page's {sheet.page_w_mm:g} mm: use fewer cols, "
            f"narrower cells, gaps or margins"
        )
    if sheet.margin_bottom_mm < -FIT_SLACK_MM:
        yield (
            f"the grid is {sheet.margin_top_mm + sheet.grid_h_mm:g} mm tall with its top "
            f"margin, more than the page's {sheet.page_h_mm:g} mm: use fewer rows, "
            f"shorter cells, gaps or margins"
        )
    elif sheet.crop_marks and min(
        sheet.margin_left_mm, sheet.margin_top_mm, sheet.margin_right_mm, sheet.margin_bottom_mm
    ) < (CROP_OFFSET_MM + CROP_MIN_MM):
        yield (
            f"crop marks are drawn in the page margins and need at least "
            f"{CROP_OFFSET_MM + CROP_MIN_MM:g} mm on every side"
        )


A4_W_MM, A4_H_MM = PAGES_MM["a4"]
LETTER_W_MM, LETTER_H_MM = PAGES_MM["letter"]
PRESETS = {
    # 24 a sheet, 63.5 x 33.9 mm (Avery L7159 and its compatibles): 8 x 38.1 mm would be
    # 304.8 mm, taller than A4, so no real 3 x 8 sheet has 38.1 mm labels.
    "a4-3x8": SheetLayout("a4-3x8", A4_W_MM, A4_H_MM, 3, 8, 63.5, 33.9, 7.25, 12.9, 2.5),
    # 21 a sheet, 63.5 x 38.1 mm (Avery L7160): the label size the 3 x 8 name is often given.
    "a4-3x7": SheetLayout("a4-3x7", A4_W_MM, A4_H_MM, 3, 7, 63.5, 38.1, 7.25, 15.15, 2.5),
    # 30 a sheet, 2 5/8 x 1 in (Avery 5160).
    "letter-3x10": SheetLayout(
        "letter-3x10",
        LETTER_W_MM,
        LETTER_H_MM,
        3,
        10,
        2.625 * INCH_MM,
        1.0 * INCH_MM,
        0.1875 * INCH_MM,
        0.5 * INCH_MM,
        0.125 * INCH_MM,
    ),
    # 10 business cards of 85 x 55 mm, edge to edge and centred, cut apart along the marks.
    "a4-2x5": SheetLayout("a4-2x5", A4_W_MM, A4_H_MM, 2, 5, 85.0, 55.0, 20.0, 11.0),
}
