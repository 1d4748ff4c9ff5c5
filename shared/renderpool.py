"""A bounded pool of render processes: each task off the event loop, each item with a time budget.

Every slot is one spawned process fed through a pipe. An item's budget starts when its
process begins it, not while it waits for a slot: the process writes which item it is on
and since when into a small shared record, and sends its answers in groups (a pipe message
per row cost up to a tenth of the drawing). An item past its budget, or a process that
dies, costs only that slot: its process is killed and a fresh one started, the items not
answered yet go on in the fresh one (only the late item is not drawn again), and the item
gets `TimedOut` (a crash raises `RenderCrashed`, which callers treat like a broken pool).
Waiting for a slot is bounded when `max_waiting` is set: past it `RenderQueueFull` (503).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import BrokenExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

import structlog

from shared import formatplugins
from shared.errors import Busy
from shared.renderserve import Raised, serve

log = structlog.get_logger(__name__)
Item = TypeVar("Item")
Result = TypeVar("Result")
START_TIMEOUT_S = 120.0  # a process importing skia on a busy 2-core machine
RETRY_AFTER_S = 2
POLL_S = 0.05  # how often the parent looks at a silent process's progress


class RenderQueueFull(Busy):
    """Every render process is busy and enough tasks already wait: answer 503, retry later."""


class RenderCrashed(BrokenExecutor):
    """A render process died mid-task (killed, out of memory): not the item's own fault."""


@dataclass(frozen=True)
class TimedOut:
    """What an item that ran past its budget gives instead of a result."""

    budget_s: float


@dataclass(frozen=True)
class _Slot:
    process: BaseProcess
    conn: Connection
    # shared doubles: [index of the item being drawn, its monotonic start]
    progress: Any = field(compare=False)


class RenderPool:
    """`processes` slots; `run(fn, item)` and `map(fn, items)` call `fn(item, *args)` in one."""

    def __init__(self, processes: int, budget_s: float, *, max_waiting: int | None = None,
                 warm_up: Callable[[], object] | None = None, log_level: str = "info",
                 log_json: bool | None = None) -> None:
        self.processes, self.budget_s, self.max_waiting = processes, budget_s, max_waiting
        # Spawned, a process starts with the built-in formats only: it loads the format
        # modules this one has loaded (BULKQR_FORMAT_MODULES) before it takes work.
        self._init = (os.getpid(), formatplugins.loaded(), warm_up, log_level, log_json)
        self._context = multiprocessing.get_context("spawn")
        self._free: asyncio.Queue[_Slot] = asyncio.Queue()
        self._waiting = 0
        self._all: set[_Slot] = set()
        self._starting: set[asyncio.Task[None]] = set()
        for _ in range(processes):
            self._replace()

    async def run(self, fn: Callable[..., Result], item: Any, *args: Any) -> Result:
        """`fn(item, *args)` in a render process: its result, or what it raised, or
        `RenderTimedOut` past the budget."""
        [outcome] = await self.map(fn, [item], *args)
        if isinstance(outcome, TimedOut):
            raise RenderTimedOut(outcome.budget_s)
        if isinstance(outcome, Raised):
            raise outcome.error
        return outcome

    async def map(self, fn: Callable[..., Result], items: Sequence[Any], *args: Any
                  ) -> list[Result | TimedOut | Raised]:
        """One outcome per item, in order, drawn in one slot (a fresh one after a late
        item); each item gets the whole budget."""
        outcomes: dict[int, Result | TimedOut | Raised] = {}
        todo = list(range(len(items)))
        while todo:
            slot = await self._acquire()
            healthy = False
            try:
                answers, late_at = await self._drive(slot, fn, [items[i] for i in todo], args)
                healthy = late_at is None
            finally:
                self._release(slot, healthy)
            outcomes.update(zip(todo, answers, strict=False))  # answers may stop short
            if late_at is not None:
                outcomes[todo[late_at]] = TimedOut(self.budget_s)
            todo = [i for i in todo if i not in outcomes]
        return [outcomes[i] for i in range(len(items))]

    async def _drive(self, slot: _Slot, fn: Callable[..., Any], items: list[Any],
                     args: tuple[Any, ...]) -> tuple[list[Any], int | None]:
        """Send the items; collect answers until all came, one was late (its index is
        returned), or the process died."""
        slot.progress[0], slot.progress[1] = 0.0, time.monotonic()
        slot.conn.send((fn, items, args))
        answers, ending, late_at = await asyncio.to_thread(
            _collect, slot.conn, slot.progress, len(items), self.budget_s)
        if ending == "crashed":
            raise RenderCrashed("a render process died while drawing")
        if ending == "late":
            log.warning("render past its budget; process replaced", budget_s=self.budget_s)
        return answers, late_at

    async def _acquire(self) -> _Slot:
        if self._free.empty() and self.max_waiting is not None \
                and self._waiting >= self.max_waiting:
            raise RenderQueueFull("the server is drawing as much as it can; retry shortly",
                                  retry_after_s=RETRY_AFTER_S)
        self._waiting += 1
        try:
            return await self._free.get()
        finally:
            self._waiting -= 1

    def _release(self, slot: _Slot, healthy: bool) -> None:
        """A slot that answered everything goes back; any other is killed and replaced
        (late, crashed, or abandoned by a cancelled caller mid-task)."""
        if healthy:
            self._free.put_nowait(slot)
            return
        self._all.discard(slot)
        _kill(slot)
        self._replace()

    def _replace(self) -> None:
        """Start a process now, on this (the event loop's) thread: the parent-death signal
        follows the thread that started it. It joins the free slots once it is ready."""
        here, there = self._context.Pipe()
        progress = self._context.RawArray("d", 2)
        process = self._context.Process(target=serve, args=(there, progress, *self._init),
                                        daemon=True)
        process.start()
        there.close()
        slot = _Slot(process, here, progress)
        self._all.add(slot)
        task = asyncio.get_running_loop().create_task(self._admit(slot))
        self._starting.add(task)
        task.add_done_callback(self._starting.discard)

    async def _admit(self, slot: _Slot) -> None:
        ready = await asyncio.to_thread(_ready, slot.conn)
        if slot not in self._all:
            return
        if not ready:
            log.error("render process did not start; starting another")
            self._all.discard(slot)
            _kill(slot)
            self._replace()
            return
        self._free.put_nowait(slot)

    async def close(self) -> None:
        """Stop every process (an unfinished task's caller sees its slot die)."""
        for task in list(self._starting):
            task.cancel()
        slots, self._all = list(self._all), set()
        for slot in slots:
            _kill(slot)


class RenderTimedOut(Exception):
    """`run`'s item took longer than the budget (callers turn this into their 400)."""

    def __init__(self, budget_s: float) -> None:
        super().__init__(f"took longer than {budget_s:g} s")
        self.budget_s = budget_s


def _collect(conn: Connection, progress: Any, count: int, budget_s: float
             ) -> tuple[list[Any], str | None, int | None]:
    """In a thread: up to `count` answers, until the item being drawn has taken longer
    than `budget_s` (then "late" and its index) or the process died ("crashed")."""
    answers: list[Any] = []
    while len(answers) < count:
        try:
            if conn.poll(POLL_S):
                answers += conn.recv()
                continue
        except (EOFError, OSError):
            return answers, "crashed", None
        index, started = int(progress[0]), progress[1]
        if time.monotonic() - started > budget_s:
            return answers, "late", max(index, len(answers))
    return answers, None, None


def _ready(conn: Connection) -> bool:
    try:
        return bool(conn.poll(START_TIMEOUT_S)) and conn.recv() == "ready"
    except (EOFError, OSError):
        return False


def _kill(slot: _Slot) -> None:
    if slot.process.is_alive():
        slot.process.kill()
    slot.process.join(1)  # SIGKILL is immediate: this reaps it
    # The pipe is not closed here: a thread may still be polling it (it sees the end of
    # the file and returns); closing an fd under it could make it read a reused one.
