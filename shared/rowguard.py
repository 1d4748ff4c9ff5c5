"""Run one step for many rows at once, and row by row if it raises, so a failure stays its row's.

Only an error that is not one row's fault propagates: a server or the network failing
(transient, retried by the caller), a broken render pool, or a full one (the caller
answers 503). A batch of one row that raised is not run again: alone, it would raise
again, and a slow failure would cost twice its time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import BrokenExecutor
from typing import TypeVar

import structlog

from shared.drivers import is_transient
from shared.renderpool import RenderQueueFull

log = structlog.get_logger(__name__)
Item = TypeVar("Item")
Result = TypeVar("Result")


def fails_the_chunk(exc: BaseException) -> bool:
    """A server or the render pool failed, or the pool is full: not one row's fault."""
    return is_transient(exc) or isinstance(exc, BrokenExecutor | RenderQueueFull)


async def each_or_alone(items: list[Item], run: Callable[[list[Item]], Awaitable[list[Result]]],
                        step: str) -> list[Result | None]:
    """`run(items)` gives one result per item. If it raises, each item is run alone, and
    an item that still raises gets None (its row fails) while the others go on."""
    try:
        return list(await run(items))
    except Exception as exc:
        if fails_the_chunk(exc):
            raise
        if len(items) == 1:
            log.exception(f"{step} failed for one row", position=0, error=repr(exc))
            return [None]
        log.exception(f"{step} failed; trying row by row", error=repr(exc))
    results: list[Result | None] = []
    for position, item in enumerate(items):
        try:
            results += await run([item])
        except Exception as exc:
            if fails_the_chunk(exc):
                raise
            log.exception(f"{step} failed for one row", position=position, error=repr(exc))
            results.append(None)
    return results
