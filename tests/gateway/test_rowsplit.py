"""Parsing a bulk body slice by slice: the same rows, in order, the same refusals, exact repeats."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from gateway.rowsplit import Split, split_rows
from gateway.uidindex import UidIndex
from shared.errors import BadRequest


async def split(body: bytes, chunk_rows: int = 1000) -> tuple[Split, list[int]]:
    uids = UidIndex(len(body) // 2 + 1)
    parts = await split_rows(body, chunk_rows, 2 * 1024 * 1024, uids)
    return parts, uids.repeated_rows().tolist()


async def roundtrip(rows: list[Any], chunk_rows: int = 1000, option: int = 0
                    ) -> tuple[Split, list[int]]:
    parts, repeats = await split(orjson.dumps(rows, option=option), chunk_rows)
    assert [row for piece in parts.pieces for row in orjson.loads(piece.text)] == rows
    assert all(piece.rows <= chunk_rows for piece in parts.pieces)
    firsts = [piece.first for piece in parts.pieces]
    assert firsts == [sum(p.rows for p in parts.pieces[:i]) for i in range(len(firsts))]
    assert parts.count == len(rows)
    return parts, repeats


async def test_nested_rows_split_at_row_boundaries_only() -> None:
    rows = [{"uid": i % 7, "secure": [{"type": "password", "value": "a},{"}, {"b": 2}],
             "sources": ["x", "],{"], "styling": {"size": 300}} for i in range(5000)]
    parts, repeats = await roundtrip(rows)
    assert len(parts.pieces) >= 5
    assert repeats == list(range(7, 5000))


async def test_repeats_are_exact_by_type_and_value() -> None:
    block: list[Any] = [1, "a", {"uid": "a"}, {"uid": "a"}, [1, 2], {"uid": 5}, {"uid": 5.0},
                        {"uid": True}, {"uid": 2**64 - 1}, {"uid": 2**64 - 1}, {"uid": -1},
                        {"uid": -2}, {"uid": "5"}, {"qrType": "dynamic"}]
    parts, repeats = await roundtrip(block * 300, chunk_rows=100)
    assert repeats[:2] == [3, 9]
    later = [14 * k + i for k in range(1, 300) for i in (2, 3, 5, 8, 9, 10, 11, 12)]
    assert repeats == [3, 9, *later]
    assert parts.dynamic


async def test_pretty_printed_and_scalar_bodies() -> None:
    await roundtrip([{"uid": i, "data": f"https://e.x/{i}"} for i in range(3000)],
                    option=orjson.OPT_INDENT_2)
    parts, _ = await roundtrip(list(range(20_000)), chunk_rows=1000)
    assert 20 <= len(parts.pieces) <= 25 and not parts.dynamic


@pytest.mark.parametrize(("body", "message"), [
    (b"[]", "empty array"), (b"  ", "body is empty"), (b"{}", "not an object"),
    (b'"x"', "not a string"), (b'[{"uid":1},]', "not valid JSON"),
    (b'[{"uid":1},{"uid":1,"uid":2}]', "repeats the key 'uid'"),
    (b'[{"a":1} {"b":2}]', "not valid JSON"), (b"[" * 100_000, "not valid JSON"),
    (b'[{"a":1},,{"b":2}]', "not valid JSON"), (b"[1,2", "not valid JSON"),
    (b'[{"x":"\\ud800"}]', "not valid JSON"), (b'[{"x":NaN}]', "not valid JSON"),
    (b'[{"x":"\xc3\x28"}]', "not valid JSON"),
    (orjson.dumps([{"uid": i} for i in range(50_000)])[:-1] + b',{"u":1,"u":2}]',
     "repeats the key 'u'"),
])
async def test_refusals(body: bytes, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        await split(body)


async def test_a_dynamic_row_is_seen_however_it_is_spaced() -> None:
    rows = [{"uid": i} for i in range(3000)] + [{"uid": "d", "qrType": "dynamic"}]
    for option in (0, orjson.OPT_INDENT_2):
        parts, _ = await split(orjson.dumps(rows, option=option).replace(b'":', b'": '))
        assert parts.dynamic
    parts, _ = await split(orjson.dumps([{"uid": 1, "data": "dynamic"}]))
    assert not parts.dynamic


async def test_string_uids_repeat_exactly() -> None:
    uids = [f"u{i % 1500}" for i in range(4000)] + ["u1\0", "1", "u1"]
    parts, repeats = await roundtrip([{"uid": uid} for uid in uids], chunk_rows=500)
    assert repeats == [*range(1500, 4000), 4002]  # "u1\0" and "1" are uids of their own
    assert not parts.dynamic
