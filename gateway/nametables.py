"""Writes gateway/static/nametables.js: names.py's constants and Unicode facts, for the dashboard.

shared/formats/names.py judges characters by Python's `unicodedata` (Unicode 14 in Python
3.11); a browser knows another Unicode version, so the dashboard's names.js reads these
facts from the table written here rather than from its own regular expressions. A browser
test regenerates the text and fails when the committed file differs (a new Python, or a
change to names.py): run `python -m gateway.nametables` and commit the file.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import orjson

from shared.formats import names

TARGET = Path(__file__).with_name("static") / "nametables.js"
LAST_CODE_POINT = 0x10FFFF


def unsafe_ranges() -> list[tuple[int, int]]:
    """[first, last] code points whose category names.py replaces (Cn, Cc, Cf, …)."""
    return list(_ranges(cp for cp in range(LAST_CODE_POINT + 1)
                        if unicodedata.category(chr(cp)) in names.UNSAFE_CATEGORIES))


def folds() -> dict[str, str]:
    """Each character whose `casefold()` differs from its `lower()` (ß → ss, a final sigma
    → sigma, …): the dashboard folds the others by the browser's toLowerCase."""
    table = {}
    for cp in range(LAST_CODE_POINT + 1):
        char = chr(cp)
        if unicodedata.category(char) != "Cn" and char.casefold() != char.lower():
            table[str(cp)] = char.casefold()
    return table


def whitespace() -> list[int]:
    """The code points `str.strip()` removes."""
    return [cp for cp in range(LAST_CODE_POINT + 1) if chr(cp).isspace()]


def module_text() -> str:
    """The JavaScript module, deterministic for one Python and one names.py."""
    constants = {
        "UNICODE_VERSION": unicodedata.unidata_version,
        "MAX_STEM_BYTES": names.MAX_STEM_BYTES,
        "UNSAFE_CHARS": "".join(sorted(names.UNSAFE_CHARS)),
        "RISKY_STARTS": list(names.RISKY_STARTS),
        "PLAIN_STEM": names.PLAIN_STEM.pattern,
        "WINDOWS_DEVICES": sorted(names.WINDOWS_DEVICES),
        "WHITESPACE": whitespace(),
        "UNSAFE_RANGES": unsafe_ranges(),
        "FOLDS": folds(),
    }
    lines = ["// Written by `python -m gateway.nametables` from shared/formats/names.py and "
             "Python's unicodedata: do not edit.", ""]
    for name, value in constants.items():
        lines.append(f"export const {name} = {orjson.dumps(value).decode()};")
    return "\n".join(lines) + "\n"


def _ranges(code_points: Iterator[int]) -> Iterator[tuple[int, int]]:
    first = last = -2
    for cp in code_points:
        if cp != last + 1:
            if first >= 0:
                yield first, last
            first = cp
        last = cp
    if first >= 0:
        yield first, last


def main() -> int:
    TARGET.write_text(module_text(), encoding="utf-8")
    print(f"wrote {TARGET}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
