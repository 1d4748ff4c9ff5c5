"""The render pool: a late item fails alone and costs its process, a full pool says so."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from shared.pooledrender import DrawingFailed, TooSlow, row_result
from shared.renderpool import (
    RenderCrashed,
    RenderPool,
    RenderQueueFull,
    RenderTimedOut,
    TimedOut,
)
from shared.renderserve import Raised

SLOW_S = 60.0  # far past every budget below: the test passes only if the pool cuts it


def here() -> None:
    """Warms a render process up: unpickling this imports this module before any budget."""


def pid_after(delay_s: float) -> int:
    """Runs in a render process: sleeps, then says which process it was."""
    time.sleep(delay_s)
    return os.getpid()


def refuse(item: str) -> str:
    raise ValueError(f"no {item}")


def die(_: object) -> None:
    os._exit(3)


async def test_a_late_item_fails_alone_and_the_items_after_it_still_run() -> None:
    pool = RenderPool(1, budget_s=1.0, warm_up=here)
    try:
        outcomes = await pool.map(pid_after, [0.0, SLOW_S, 0.0, 0.0])
        first, late, *after = outcomes
        assert late == TimedOut(1.0)
        assert isinstance(first, int) and all(isinstance(pid, int) for pid in after)
        assert after[0] == after[1]  # drawn in the fresh process that replaced the late one
        assert await pool.run(pid_after, 0.0) == after[0]
        with pytest.raises(RenderTimedOut, match="longer than 1 s"):
            await pool.run(pid_after, SLOW_S)
        assert isinstance(await pool.run(pid_after, 0.0), int)
    finally:
        await pool.close()


def echo(item: int) -> int:
    return item


async def test_answers_come_back_in_order_however_they_are_grouped() -> None:
    """Answers travel in groups (GROUP_ITEMS or GROUP_S): none lost, none reordered, and a
    late item among many costs only itself."""
    pool = RenderPool(2, budget_s=1.0, warm_up=here)
    try:
        assert await pool.map(echo, list(range(1000))) == list(range(1000))
        mixed = await pool.map(pid_after, [0.0] * 150 + [SLOW_S] + [0.0] * 150)
        assert mixed[150] == TimedOut(1.0)
        assert all(isinstance(pid, int) for pid in mixed[:150] + mixed[151:])
    finally:
        await pool.close()


async def test_what_an_item_raises_reaches_the_caller_and_the_process_stays() -> None:
    pool = RenderPool(1, budget_s=5.0, warm_up=here)
    try:
        before = await pool.run(pid_after, 0.0)
        with pytest.raises(ValueError, match="no logo"):
            await pool.run(refuse, "logo")
        outcomes = await pool.map(refuse, ["a"])
        assert isinstance(outcomes[0], Raised)
        assert await pool.run(pid_after, 0.0) == before
    finally:
        await pool.close()


async def test_a_crashed_process_is_a_typed_error_and_is_replaced() -> None:
    pool = RenderPool(1, budget_s=5.0, warm_up=here)
    try:
        with pytest.raises(RenderCrashed):
            await pool.run(die, None)
        assert isinstance(await pool.run(pid_after, 0.0), int)
    finally:
        await pool.close()


async def test_past_the_waiting_bound_a_task_is_refused_not_queued() -> None:
    pool = RenderPool(1, budget_s=2.0, warm_up=here, max_waiting=1)
    try:
        await pool.run(pid_after, 0.0)  # the process is up
        busy = asyncio.ensure_future(pool.run(pid_after, 1.0))
        await asyncio.sleep(0)  # it takes the only slot
        waiting = asyncio.ensure_future(pool.run(pid_after, 0.0))
        await asyncio.sleep(0)
        with pytest.raises(RenderQueueFull) as refused:
            await pool.run(pid_after, 0.0)
        assert refused.value.status == 503 and refused.value.retry_after_s
        assert isinstance(await busy, int) and isinstance(await waiting, int)
    finally:
        await pool.close()


def test_a_row_past_the_budget_is_a_400_naming_the_limit() -> None:
    ok, message = row_result(TimedOut(2.5))
    assert not ok and isinstance(message, TooSlow) and message.status == 400
    assert "longer than 2.5 s to draw (the render time limit)" in message
    ok, message = row_result(Raised(KeyError("x")))
    assert not ok and isinstance(message, DrawingFailed) and message.status == 500
    assert row_result((True, "data:image/png;base64,")) == (True, "data:image/png;base64,")
