"""Strict JSON: orjson's parse, a nesting bound and a repeated-key check that never recurse.

orjson refuses invalid UTF-8, lone surrogates, NaN/Infinity and nesting past 1024 levels,
but keeps the last of repeated keys silently, and cannot write back values nested past
254 levels: such text is refused here (so nothing downstream meets it). The key check
compares counts (unless the text is already the compact text of its value, which has no
repeated key): in text without a backslash or a quote followed by whitespace, every
`":` ends a key or opens a string that starts with `:`; orjson's output of the parsed
value has the same string contents, so it holds as many `":` as the text unless a
repeated key was dropped. Other text takes the standard library's pairs hook (C speed;
254 levels are well inside its recursion limit).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from shared.errors import BadRequest

MAX_DEPTH = 254
WHITESPACE = (b" ", b"\t", b"\n", b"\r")
QUOTE_SPACE = tuple(b'"' + space for space in WHITESPACE)
Text = bytes | bytearray


def loads_strict(data: Text) -> Any:
    """The parsed value, or BadRequest naming what is wrong with the text."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"body is not valid JSON: {exc}") from exc
    check_value(data, value)
    return value


def check_value(data: Text, value: Any) -> bytes:
    """`value` (parsed from `data`) written compactly; BadRequest if it nests past
    MAX_DEPTH levels or if some object of `data` repeats a key."""
    try:
        # orjson's output keeps its whole growth buffer (~250 KB for any slice): copy it
        # out at its length, as it is kept until the batch is stored.
        compact = memoryview(orjson.dumps(value)).tobytes()
    except orjson.JSONEncodeError as exc:
        raise BadRequest(f"body is not valid JSON: nested deeper than {MAX_DEPTH} "
                         "levels") from exc
    if data == compact:  # already compact: it is what the parsed value writes, keys and all
        return compact
    plain = b"\\" not in data and not (any(space in data for space in WHITESPACE)
                                        and any(pair in data for pair in QUOTE_SPACE))
    if not plain or data.count(b'":') != compact.count(b'":'):
        json.loads(data, object_pairs_hook=_unique_pairs)
    return compact


def _unique_pairs(pairs: list[tuple[str, Any]]) -> None:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        repeated = next(key for i, key in enumerate(keys) if key in keys[:i])
        raise BadRequest(f"body is not valid JSON: an object repeats the key {repeated!r}")
