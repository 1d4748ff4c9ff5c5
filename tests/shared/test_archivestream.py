"""A stored archive read piece by piece gives the same entries and text, wherever it is cut."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from shared.archivestream import ArchiveEntries, ArchiveText, ArchiveUnreadable
from shared.schemas import ARCHIVE_CLOSE, ARCHIVE_OPEN, ARCHIVE_SEPARATOR, fragment

CHUNKS: list[list[Any]] = [
    ["data:image/png;base64,iVBORw0KGgo=", {"uid": 'q"\\\\"', "status": "failed",
                                            "message": "tab\there\nnewline \u0001", "code": 400}],
    [{"id": "qr_1", "uid": "emoji \U0001f600 é", "url": "http://h/r/a", "QRs": "data:x",
      "sources": [{"source": "flyer", "url": "http://h/r/b", "QRs": "data:y"}]}],
    [{"uid": None, "status": "failed", "message": "\\u0041 not an escape", "code": 400}],
]
ENTRIES = [entry for chunk in CHUNKS for entry in chunk]
STORED = ARCHIVE_OPEN + ARCHIVE_SEPARATOR.join(fragment(c) for c in CHUNKS) + ARCHIVE_CLOSE


def pieces(data: bytes, size: int) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 11, 64, 10_000])
def test_entries_and_text_survive_any_cut(size: int) -> None:
    entries, text = ArchiveEntries(), ArchiveText()
    found: list[Any] = []
    joined = b""
    for piece in pieces(STORED, size):
        found += entries.feed(piece)
        joined += text.feed(piece)
    found += entries.finish()
    joined += text.finish()
    assert found == ENTRIES and entries.count == len(ENTRIES)
    assert joined == orjson.loads(STORED).encode()


def test_escapes_the_worker_never_writes_still_decode() -> None:
    stored = orjson.dumps(orjson.dumps(["\U0001f600", "/"]).decode()).replace(
        "\U0001f600".encode(), b"\\ud83d\\ude00").replace(b"/", b"\\/")
    for size in range(1, 16):
        text = ArchiveText()
        joined = b"".join(text.feed(piece) for piece in pieces(stored, size)) + text.finish()
        assert orjson.loads(joined) == ["\U0001f600", "/"]


@pytest.mark.parametrize("stored", [b"", b'"[1,2', b'"[1,2]', b'"[1,2]\\"', b"[1]", b'"[1,}]"'])
def test_a_damaged_archive_is_refused(stored: bytes) -> None:
    entries = ArchiveEntries()
    with pytest.raises(ArchiveUnreadable):
        entries.feed(stored)
        entries.finish()
