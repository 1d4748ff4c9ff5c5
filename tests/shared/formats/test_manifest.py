"""manifest.csv: formula-looking cells are neutralised, and the CSV reads back intact."""

from __future__ import annotations

import csv
import io

import pytest

from shared.formats.manifest import COLUMNS, ManifestRow, escape_cell, manifest_bytes


@pytest.mark.parametrize(("cell", "expected"), [
    ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"),
    ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("plain", "plain"), ("", ""), ("a=b", "a=b"), ("https://x/r/abc", "https://x/r/abc"),
])
def test_escape_cell(cell: str, expected: str) -> None:
    assert escape_cell(cell) == expected


def test_manifest_round_trips_through_a_csv_reader() -> None:
    rows = [
        ManifestRow("=cmd|' /C calc'!A0", "ok", id="qr_1", short_url="http://h/r/a",
                    file="_cmd_' _C calc'!A0.png"),
        ManifestRow("", "failed", "400", "uid is required"),
        ManifestRow("d", "ok", id="qr_2", short_url="http://h/r/b", file="d--flyer.png",
                    source="flyer"),
        ManifestRow('quote"comma,newline\n', "failed", "400", "-bad"),
    ]
    parsed = list(csv.reader(io.StringIO(manifest_bytes(rows).decode("utf-8"))))
    assert parsed[0] == list(COLUMNS)
    assert parsed[1] == ["'=cmd|' /C calc'!A0", "ok", "", "", "qr_1", "http://h/r/a",
                         "_cmd_' _C calc'!A0.png", ""]
    assert parsed[2] == ["", "failed", "400", "uid is required", "", "", "", ""]
    assert parsed[3][-1] == "flyer"
    assert parsed[4] == ['quote"comma,newline\n', "failed", "400", "'-bad", "", "", "", ""]
