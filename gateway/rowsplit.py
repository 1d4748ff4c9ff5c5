"""Parse a bulk body into chunk texts slice by slice: no Python object per row kept, no long block.

A slice runs from a known row boundary to a candidate one past the wanted slice size (a
comma between `}` and `{`; after a few misses, any comma) and is parsed as `[` + slice +
`]`. If that parses, the comma was a top-level separator: a comma inside a string or a
nested value would leave the slice unbalanced. A failure at the appended `]` or at the
end only means the candidate was not a boundary, so the next one is tried (after 32, the
rest of the body is parsed in one go); a failure before it is the body's own error. Each
slice is checked by strict JSON (gateway/strictjson.py), its uids go to a UidIndex and its
rows leave as the compact text of one chunk; the event loop runs between slices, and the
cyclic collector does not run within one. All the bodies a gateway parses at once take
turns (one lock): each pass of the event loop then runs one slice, not one per body, so a
burst of big bodies cannot stretch a pass, and every other request's wait, by their number.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn

import orjson

from gateway.strictjson import check_value, loads_strict
from gateway.uidindex import UidIndex
from shared.errors import BadRequest

ROW_GAP_RE = re.compile(rb"[}\]][ \t\r\n]*,[ \t\r\n]*[{\[]")
COMMA_RE = re.compile(rb",")
TEXT_RE = re.compile(rb"[^ \t\r\n]")
WHITESPACE = b" \t\r\n"
GAP_TRIES, MAX_TRIES = 4, 32
FIRST_SLICE_BYTES = 64 * 1024
DYNAMIC = b'"qrType":"dynamic"'


@dataclass
class Piece:
    first: int
    rows: int
    text: bytes  # the chunk's rows as a compact JSON array


@dataclass
class Split:
    pieces: list[Piece] = field(default_factory=list)
    count: int = 0
    dynamic: bool = False  # some row asks for a dynamic QR


async def split_rows(body: bytes | bytearray, chunk_rows: int, chunk_bytes: int,
                     uids: UidIndex, turns: asyncio.Lock | None = None) -> Split:
    """The body's rows as chunk pieces; BadRequest unless it is a non-empty JSON array.
    With `turns`, each slice is parsed holding it."""
    start, end = _span(body)
    if body[start:start + 1] != b"[" or body[end:end + 1] != b"]":
        _refuse_whole(body)
    split, pos, slice_bytes = Split(), start + 1, FIRST_SLICE_BYTES
    if TEXT_RE.search(body, pos, end) is None:
        raise BadRequest("body is an empty array; send at least one row")
    while pos < end:
        async with turns or contextlib.nullcontext():
            with _collector_paused():
                rows, compact, next_pos = _next_slice(body, pos, end, slice_bytes)
                if not rows:
                    raise BadRequest(f"body is not valid JSON: a comma before byte {end} "
                                     "ends no row")
                _add(split, rows, compact, chunk_rows, chunk_bytes)
                uids.add(rows)
                slice_bytes = max(1024, min(chunk_bytes,
                                            (next_pos - pos) * chunk_rows // len(rows)) * 9 // 10)
                pos = next_pos
                del rows
        await asyncio.sleep(0)
    return split


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic collection while a slice's rows live: they die young instead of being
    promoted, so they never add up to a full collection (a 50-100 ms pause)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _span(body: bytes | bytearray) -> tuple[int, int]:
    """Where the text starts and ends, without copying the body (strip would)."""
    first = TEXT_RE.search(body)
    if first is None:
        return 0, -1
    end = len(body) - 1
    while body[end] in WHITESPACE:
        end -= 1
    return first.start(), end


def _refuse_whole(body: bytes | bytearray) -> NoReturn:
    if TEXT_RE.search(body) is None:
        raise BadRequest("body is empty")
    value = loads_strict(body)
    names = {dict: "an object", str: "a string", bool: "a boolean", type(None): "null"}
    raise BadRequest("body must be a JSON array of rows, not "
                     f"{names.get(type(value), 'a number')}")


def _next_slice(body: bytes | bytearray, pos: int, end: int, size: int
                ) -> tuple[list[Any], bytes, int]:
    """The rows from `pos` to the next row boundary past `pos + size`, their compact text,
    and where the next slice starts."""
    search, tries = pos + size, 0
    while True:
        found = _candidate(body, search, end, tries)
        if found is None and tries < GAP_TRIES:
            tries = GAP_TRIES  # no gap between objects left: try any comma
            continue
        cut = end if found is None else found
        text = b"[" + body[pos:cut] + b"]"
        try:
            rows = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            if cut == end or exc.pos < len(text) - 1:
                raise BadRequest(f"body is not valid JSON: {exc.msg} (near byte "
                                 f"{pos + exc.pos - 1})") from exc
            search, tries = cut + 1, tries + 1
            continue
        return rows, check_value(text, rows), cut + 1


def _candidate(body: bytes | bytearray, search: int, end: int, tries: int) -> int | None:
    """The next comma to cut at from `search`, or None when the pattern of this try finds
    none (or the tries are used up)."""
    if tries >= MAX_TRIES:
        return None
    found = (ROW_GAP_RE if tries < GAP_TRIES else COMMA_RE).search(body, search, end)
    return None if found is None else body.index(b",", found.start(), found.end())


def _add(split: Split, rows: list[Any], compact: bytes, chunk_rows: int,
         chunk_bytes: int) -> None:
    if not split.dynamic and DYNAMIC in compact:
        split.dynamic = any(row.__class__ is dict and row.get("qrType") == "dynamic"
                            for row in rows)
    if len(rows) <= chunk_rows and len(compact) <= chunk_bytes:
        split.pieces.append(Piece(split.count, len(rows), compact))
        split.count += len(rows)
        return
    texts = [orjson.dumps(row) for row in rows]
    group: list[bytes] = []
    size = 0
    for text in texts:
        if group and (len(group) >= chunk_rows or size + len(text) > chunk_bytes):
            _close(split, group)
            group, size = [], 0
        group.append(text)
        size += len(text)
    _close(split, group)


def _close(split: Split, texts: list[bytes]) -> None:
    split.pieces.append(Piece(split.count, len(texts), b"[" + b",".join(texts) + b"]"))
    split.count += len(texts)
