"""The batch's window: keep about W chunks of it published, claiming each by unique insert.

A delivery that finishes a chunk (or the split) claims the next unclaimed chunks with
unique inserts of window claims, publishes them with publisher confirms, and only then is
acked. A delivery that may have run before re-publishes what it claimed, so a crash
between claiming and publishing loses nothing; duplicates are absorbed by the chunks.
"""

from __future__ import annotations

import asyncio

import structlog

from shared import amqp
from shared.keys import SPLIT_CLAIMER
from shared.progress import Progress, read_progress, running_batches
from shared.schemas import WorkMessage
from shared.store.progress import WindowClaim, find_running, insert_claim
from worker.decide import candidates, slots_to_fill, subscription_window, window_size
from worker.delivery import Delivery
from worker.deps import Deps

log = structlog.get_logger(__name__)


async def advance(deps: Deps, bulk_id: str, claimer: str, delivery: Delivery,
                  progress: Progress | None = None) -> list[int]:
    """Publish the batch's next chunks (and, after a crash, what `claimer` had claimed)."""
    running = await find_running(deps.db, bulk_id)
    if running is None:  # the batch ended: nothing more to publish
        return []
    progress = progress or await read_progress(deps.db, bulk_id)
    sizes = list(running.sizes)
    mine = ([n for n, by in progress.claims.items() if by == claimer and n not in progress.done]
            if delivery.may_have_run else [])
    share = subscription_window(deps.settings.window_chunks, deps.fleet.consumers,
                                deps.settings.prefetch_chunks)
    window = window_size(share, await running_batches(deps.db, running.subscription))
    won = await claim(deps, bulk_id, claimer, progress, window, len(sizes))
    if deps.settings.fault_pause_after_claim_s and won and claimer != SPLIT_CLAIMER:
        await asyncio.sleep(deps.settings.fault_pause_after_claim_s)
    await publish_chunks(deps, bulk_id, sizes, sorted(set(mine) | set(won)))
    return won


async def claim(deps: Deps, bulk_id: str, claimer: str, progress: Progress, window: int,
                chunks: int) -> list[int]:
    """Claim up to the window's free slots; a lost insert means another delivery has it."""
    wanted = slots_to_fill(window, progress, chunks)
    won: list[int] = []
    for chunk in candidates(progress, chunks):
        if len(won) >= wanted:
            break
        if await insert_claim(deps.db, bulk_id, WindowClaim(chunk, claimer)):
            won.append(chunk)
    return won


async def publish_chunks(deps: Deps, bulk_id: str, sizes: list[int], chunks: list[int]) -> None:
    """Publish the chunk messages, each confirmed by the broker."""
    firsts = [sum(sizes[:n]) for n in chunks]

    async def publish(chunk: int, first: int) -> None:
        work = WorkMessage(kind="chunk", bulk_id=bulk_id, chunk=chunk, chunks=len(sizes),
                           first=first, rows=sizes[chunk])
        await amqp.publish(deps.topology.work, amqp.CHUNK_KEY, work.to_bytes(),
                           timeout_s=deps.settings.publish_timeout_s,
                           message_id=work.message_id)

    async with asyncio.TaskGroup() as group:
        for chunk, first in zip(chunks, firsts, strict=True):
            group.create_task(publish(chunk, first))
    if chunks:
        log.debug("window advanced", published=chunks)
