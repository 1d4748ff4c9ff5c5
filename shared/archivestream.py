"""Read a stored archive piece by piece: its JSON string unescaped, and its entries parsed.

The stored object is the API's body, a JSON string whose content is the JSON array of
entries (schemas.fragment). `ArchiveText` undoes the string's escaping one piece at a
time (orjson decodes each piece as a string of its own, cut where no escape is split);
`ArchiveEntries` feeds that text to ijson's C parser and hands out whole entries, so only
one piece and the entries it completes are ever held, however big the archive.
"""

from __future__ import annotations

from typing import Any

import ijson
import orjson

BACKSLASH, QUOTE = 0x5C, b'"'
LONGEST_ESCAPE = 12  # a surrogate pair: \uD83D\uDE00
BACKEND = ijson.get_backend("yajl2_c")  # the C parser; a missing one fails at import


class ArchiveUnreadable(ValueError):
    """The stored archive is not the JSON string of a JSON array."""


class ArchiveText:
    """The archive's JSON text (UTF-8), from the pieces of its stored JSON string."""

    def __init__(self) -> None:
        self._carry = b""
        self._started = False

    def feed(self, piece: bytes) -> bytes:
        data = self._carry + piece
        if not self._started and data:
            if not data.startswith(QUOTE):
                raise ArchiveUnreadable("the stored archive is not a JSON string")
            data, self._started = data[1:], True
        cut = _safe_cut(data, len(data) - 1)  # the closing quote stays behind until the end
        self._carry = data[cut:]
        return _unescape(data[:cut])

    def finish(self) -> bytes:
        """The last of the text; ArchiveUnreadable if the string never closed."""
        data, self._carry = self._carry, b""
        if not self._started or not data.endswith(QUOTE) or _escapes_last(data[:-1]):
            raise ArchiveUnreadable("the stored archive ends before its string closes")
        return _unescape(data[:-1])


class ArchiveEntries:
    """The archive's entries, in order, from the pieces of its stored JSON string."""

    def __init__(self) -> None:
        self._text = ArchiveText()
        self._found: Any = ijson.sendable_list()
        self._parser = BACKEND.items_coro(self._found, "item")
        self.count = 0

    def feed(self, piece: bytes) -> list[Any]:
        """The entries that this piece completes."""
        return self._parse(self._text.feed(piece))

    def finish(self) -> list[Any]:
        entries = self._parse(self._text.finish())
        try:
            self._parser.close()
        except ijson.JSONError as exc:
            raise ArchiveUnreadable(f"the archive's JSON text is cut short: {exc}") from exc
        return entries

    def _parse(self, text: bytes) -> list[Any]:
        if text:
            try:
                self._parser.send(text)
            except ijson.JSONError as exc:
                raise ArchiveUnreadable(f"the archive's JSON text is invalid: {exc}") from exc
        entries = list(self._found)
        self._found.clear()
        self.count += len(entries)
        return entries


def _unescape(escaped: bytes) -> bytes:
    if not escaped:
        return b""
    try:
        text: str = orjson.loads(QUOTE + escaped + QUOTE)
    except orjson.JSONDecodeError as exc:
        raise ArchiveUnreadable(f"the stored archive is not a valid JSON string: {exc}") from exc
    return text.encode("utf-8")


def _safe_cut(data: bytes, end: int) -> int:
    """The latest position at or before `end` that splits no escape, surrogate pair or
    UTF-8 character."""
    while 0 < end < len(data) and 0x80 <= data[end] < 0xC0:  # a continuation byte
        end -= 1
    start = data.rfind(b"\\", max(0, end - LONGEST_ESCAPE), end)
    while start >= 0:
        if _run_before(data, start) % 2 == 0:  # an escape starts here
            size = 6 if data[start + 1:start + 2] == b"u" else 2
            high = size == 6 and data[start + 2:start + 4].upper() in (b"D8", b"D9", b"DA",
                                                                       b"DB")
            if start + size > end or (high and start + 12 > end):
                end = start
        start = data.rfind(b"\\", max(0, end - LONGEST_ESCAPE), start)
    return end


def _run_before(data: bytes, pos: int) -> int:
    """How many backslashes directly precede `pos`."""
    run = 0
    while pos - run - 1 >= 0 and data[pos - run - 1] == BACKSLASH:
        run += 1
    return run


def _escapes_last(data: bytes) -> bool:
    """True when the byte after `data` would be escaped (an odd run of backslashes ends it)."""
    return _run_before(data, len(data)) % 2 == 1
