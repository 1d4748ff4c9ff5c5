"""Draw rows' images in the render pool: each image its own time budget, a late one fails alone."""

from __future__ import annotations

import asyncio

import structlog

from shared.render import RenderFailure, RenderJob, render_job
from shared.renderpool import Raised, RenderPool, TimedOut

log = structlog.get_logger(__name__)
# What every render process imports before it says it is ready, so a first row's budget
# is not spent importing skia and Pillow.
PRELOAD = ("shared.render", "shared.uploadcheck")


class TooSlow(RenderFailure):
    """The image took longer than the render budget to draw: the row fails with 400."""

    status = 400


class DrawingFailed(RenderFailure):
    """Drawing raised something unexpected: the row fails with 500, its neighbours go on."""

    status = 500


def too_slow_message(budget_s: float) -> str:
    return (f"the styling took longer than {budget_s:g} s to draw (the render time limit); "
            "simplify it: a smaller size or scale, no gradient, a smaller or simpler logo, "
            "or png instead of pdf or eps")


class PooledRenderer:
    """A `Renderer` over a `RenderPool`: a call's jobs shared out over its processes."""

    def __init__(self, pool: RenderPool) -> None:
        self.pool = pool

    async def render(self, jobs: list[RenderJob], verify: bool = False
                     ) -> list[tuple[bool, str]]:
        if not jobs:
            return []
        size = -(-len(jobs) // self.pool.processes)
        parts = [jobs[i:i + size] for i in range(0, len(jobs), size)]
        drawn = await asyncio.gather(*(self.pool.map(render_job, part, verify)
                                       for part in parts))
        return [row_result(outcome) for part in drawn for outcome in part]


def row_result(outcome: tuple[bool, str] | TimedOut | Raised) -> tuple[bool, str]:
    if isinstance(outcome, TimedOut):
        return False, TooSlow(too_slow_message(outcome.budget_s))
    if isinstance(outcome, Raised):
        log.error("drawing a row raised", error=repr(outcome.error))
        return False, DrawingFailed("internal error while drawing this row; it was not created")
    return outcome
