"""Issue 31 item 11: numbers from query strings in plain ASCII digits, in sheets too."""

from __future__ import annotations

import pytest

from shared.sheets import layout_for
from shared.strictnum import ascii_decimal, ascii_int

CUSTOM = {"cols": "4", "rows": "6", "cellW": "45", "cellH": "40"}
NOT_ASCII = ["\uff16\uff10", "\uff160", "60_0", "\u0663", " 45", "45 ", "+45", "4.", ".5",
             "1e1", "nan", "", "\u0664\u0665"]


def test_plain_ascii_numbers_are_read() -> None:
    assert ascii_int("0") == 0 and ascii_int("600") == 600
    assert ascii_decimal("12.5") == 12.5 and ascii_decimal("45") == 45.0


@pytest.mark.parametrize("text", NOT_ASCII)
def test_anything_else_is_not_a_number(text: str) -> None:
    assert ascii_int(text) is None and ascii_decimal(text) is None


def test_too_many_digits_are_not_a_number() -> None:
    assert ascii_int("9" * 10) is None and ascii_decimal("1." + "0" * 10) is None


@pytest.mark.parametrize("key", ["cellW", "cellH", "gapX", "gapY", "marginLeft", "marginTop"])
@pytest.mark.parametrize("text", NOT_ASCII)
def test_sheet_sizes_are_ascii_digits(key: str, text: str) -> None:
    with pytest.raises(ValueError, match=f"^{key} must be .*plain ASCII digits"):
        layout_for("custom", CUSTOM | {key: text})


@pytest.mark.parametrize("key", ["cols", "rows"])
@pytest.mark.parametrize("text", ["\uff14", "\u0664", " 4", "4 ", "4_0", "+4"])
def test_sheet_counts_are_ascii_digits(key: str, text: str) -> None:
    with pytest.raises(ValueError, match=f"^{key} must be a whole number from 1 to 1000"):
        layout_for("custom", CUSTOM | {key: text})


def test_a_plain_custom_sheet_still_reads() -> None:
    sheet = layout_for("custom", CUSTOM | {"gapX": "2.5", "marginTop": "10"})
    assert (sheet.cols, sheet.cell_w_mm, sheet.gap_x_mm, sheet.margin_top_mm) == (4, 45, 2.5, 10)
