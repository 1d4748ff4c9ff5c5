"""A step that raises for one row fails that row only; a server failure fails them all."""

from __future__ import annotations

import pytest
from pymongo.errors import AutoReconnect

from shared.renderpool import RenderQueueFull
from shared.rowguard import each_or_alone


async def test_the_row_that_raises_is_the_only_one_that_fails() -> None:
    calls: list[list[int]] = []

    async def double(group: list[int]) -> list[int]:
        calls.append(group)
        if 3 in group:
            raise OverflowError("MongoDB can only handle up to 8-byte ints")
        return [n * 2 for n in group]

    assert await each_or_alone([1, 2, 3, 4], double, "doubling") == [2, 4, None, 8]
    assert calls == [[1, 2, 3, 4], [1], [2], [3], [4]]


async def test_a_server_failure_is_not_a_row_failure() -> None:
    async def lose_server(group: list[int]) -> list[int]:
        raise AutoReconnect("connection refused")

    with pytest.raises(AutoReconnect):
        await each_or_alone([1, 2], lose_server, "writing")


async def test_a_row_alone_that_raises_is_not_run_again() -> None:
    """A single generate whose drawing raised was drawn twice (issue 31: 57.5 s, then 500)."""
    calls: list[list[int]] = []

    async def fail(group: list[int]) -> list[int]:
        calls.append(group)
        raise OverflowError("too big")

    assert await each_or_alone([7], fail, "drawing") == [None]
    assert calls == [[7]]


async def test_a_full_render_pool_is_not_a_row_failure() -> None:
    async def full(group: list[int]) -> list[int]:
        raise RenderQueueFull("busy", retry_after_s=2)

    with pytest.raises(RenderQueueFull):
        await each_or_alone([1, 2], full, "drawing")
