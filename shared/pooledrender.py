"""Draw rows' images in the render pool: each image its own time budget, a late one fails alone."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import structlog

from shared.brand.logos import from_data_uri
from shared.formats import registry
from shared.render import RenderFailure, RenderJob, render_job
from shared.renderpool import RenderPool, TimedOut
from shared.renderserve import Raised
from shared.rows.styling import parse_styling
from shared.uploadcheck import check_upload

log = structlog.get_logger(__name__)


class TooSlow(RenderFailure):
    """The image took longer than the render budget to draw: the row fails with 400."""

    status = 400


class DrawingFailed(RenderFailure):
    """Drawing raised something unexpected: the row fails with 500, its neighbours go on."""

    status = 500


def too_slow_message(budget_s: float) -> str:
    """Past the budget: what to simplify, down to a plain raster (png) over the formats
    only the branded pipeline draws (pdf, eps, any registered one)."""
    fast = [fmt.name for fmt in registry.formats() if fmt.plain and not fmt.vector]
    slow = [fmt.name for fmt in registry.formats() if not fmt.plain]
    return (f"the styling took longer than {budget_s:g} s to draw (the render time limit); "
            "simplify it: a smaller size or scale, no gradient, a smaller or simpler logo, "
            f"or {' or '.join(fast)} instead of {' or '.join(slow)}")


class PooledRenderer:
    """A `Renderer` over a `RenderPool`: a call's jobs shared out over its processes.

    With `inline_max_px`, a plain (unbranded) code set by `size` up to that many pixels is
    drawn here instead: its cost is bounded (a 1-bit PNG, ~1 ms at 512 px) and below a
    pool hop's, and it does not take a place in the pool's bounded queue.
    """

    def __init__(self, pool: RenderPool, inline_max_px: int | None = None) -> None:
        self.pool, self.inline_max_px = pool, inline_max_px

    async def render(self, jobs: list[RenderJob], verify: bool = False
                     ) -> list[tuple[bool, str]]:
        results: dict[int, tuple[bool, str]] = {}
        pooled: list[int] = []
        for position, job in enumerate(jobs):
            if self._inline(job):
                results[position] = render_job(job, verify)
            else:
                pooled.append(position)
        for position, result in zip(pooled, await self._in_pool([jobs[i] for i in pooled],
                                                                verify), strict=True):
            results[position] = result
        return [results[position] for position in range(len(jobs))]

    def _inline(self, job: RenderJob) -> bool:
        styling = job[1]
        return (self.inline_max_px is not None and styling.brand is None
                and styling.scale is None and (styling.size_px or 0) <= self.inline_max_px)

    async def _in_pool(self, jobs: list[RenderJob], verify: bool) -> list[tuple[bool, str]]:
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


# A 16 px PNG logo, drawn into a small branded code to warm up.
WARM_LOGO = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAHUlEQVR4"
             "nGMU0Vjwn4ECwESJ5lEDRg0YNWAwGQAAyOkB++YGhNEAAAAASUVORK5CYII=")


def warm_up() -> None:
    """Run in each render process before it takes work: one logo checked, one branded
    code drawn, so the first row's budget is spent drawing it."""
    logo = from_data_uri(WARM_LOGO)
    check_upload(logo.data)
    styling = parse_styling({"modules": "rounded", "size": 256, "gradient": {
        "type": "linear", "from": "#000000", "to": "#202060"}})
    assert styling.brand is not None
    render_job(("https://example.com/warm", replace(styling, brand=replace(
        styling.brand, logo=logo))))
