"""The strict parse: repeated keys refused at any depth and spelling, never a RecursionError."""

from __future__ import annotations

import pytest

from gateway.strictjson import loads_strict
from shared.errors import BadRequest


@pytest.mark.parametrize("text", [
    b'{"a": 1, "a": 2}', b'{"a":1,"a":2}', b'[{"k":":x","k":1}]', b'{"a":{"b":1},"a":2}',
    b'{"a":1,"\\u0061":2}', b'{"a" :1,"a":2}', b'[[{"x":[{"y":1,"y":1}]}]]',
    b"[" * 200 + b'{"d":1,"d":2}' + b"]" * 200, b"[" * 200 + b'{"\\/":1,"/":2}' + b"]" * 200,
])
def test_repeated_keys_are_refused(text: bytes) -> None:
    with pytest.raises(BadRequest, match="repeats the key"):
        loads_strict(text)


@pytest.mark.parametrize("text", [
    b'{"a":":","b":"\\":"}', b'{"a": "b", "c": {"a": 1}}', b'[{"uid":1},{"uid":1}]',
    b'{"": 1, " ": 2}', b'{"a\\\\":1,"a":2}',
])
def test_distinct_keys_pass(text: bytes) -> None:
    assert loads_strict(text) is not None


def test_nesting_up_to_the_bound_passes() -> None:
    assert loads_strict(b"[" * 254 + b"]" * 254)
    assert loads_strict(b'{"a":' * 253 + b'{"b":1,"c":2}' + b"}" * 253)
    assert loads_strict(b'[{"a\\/":' * 100 + b"1" + b"}]" * 100)


@pytest.mark.parametrize("depth", [255, 980, 1000, 1024, 1025, 100_000])
def test_deeper_nesting_is_a_bad_request(depth: int) -> None:
    for text in (b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth,
                 b'[{"\\u0061":' * depth + b"1" + b"}]" * depth, b"[" * depth):
        with pytest.raises(BadRequest, match="not valid JSON"):
            loads_strict(text)
