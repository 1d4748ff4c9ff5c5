"""The row index: written per chunk, read in pieces, looked up row by row."""

from __future__ import annotations

import pytest

from shared.formats.rowindex import RowIndex, RowNames
from shared.rowindex import rows_text


def test_lines_read_back_across_any_cut() -> None:
    rows = [(0, {"uid": "a", "label": "Box 1"}), (1, {"uid": 7}), (2, "not a row"),
            (5, {"uid": "é\n\"", "label": "x" * 201})]
    text = rows_text(rows)
    for size in (1, 3, 1000):
        index = RowIndex()
        for i in range(0, len(text), size):
            index.feed(text[i:i + size])
        index.finish()
        assert index.covers(10**9)
        assert [index.names(row) for row in range(7)] == [
            RowNames("a", "Box 1"), RowNames(7), RowNames(), RowNames(), RowNames(),
            RowNames("é\n\"", None), RowNames()]


def test_covers_only_what_was_read() -> None:
    index = RowIndex()
    index.feed(rows_text([(0, {"uid": "a"}), (1, {"uid": "b"})])[:-1])
    assert index.covers(0) and not index.covers(1)
    index.feed(b"\n" + b"garbage\n")
    assert index.covers(1) and not index.covers(2)
    assert index.names(1) == RowNames("b")


@pytest.mark.parametrize("label", [None, "", "Shelf A-3", "é" * 200])
def test_valid_labels_are_kept(label: str | None) -> None:
    index = RowIndex()
    index.feed(rows_text([(0, {"uid": 1, "label": label})]))
    assert index.names(0).label == label
