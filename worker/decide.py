"""Pure decisions of the chunk lifecycle: what a delivery does next, and how many window
slots it fills. No I/O, so every combination is unit tested."""

from __future__ import annotations

from enum import StrEnum

from shared.progress import Progress
from shared.status import OrderStatus


class Step(StrEnum):
    SKIP = "skip"  # nothing left to do: ack
    TIDY = "tidy"  # the batch ended; remove what a crashed finisher may have left
    RENDER = "render"  # the chunk is not done: render it
    ADVANCE = "advance"  # the chunk is done: (re)publish the window's next chunks
    FINISH = "finish"  # every chunk is done: assemble the archive


def next_step(status: OrderStatus | None, progress: Progress, chunk: int, chunks: int, *,
              may_have_run: bool) -> Step:
    """What a delivery of `chunk` does, given the order's status and the batch's progress."""
    if status is None:
        return Step.SKIP
    if status != OrderStatus.PROCESSING:
        # Only a delivery that may have completed the batch itself has anything to tidy.
        return Step.TIDY if may_have_run else Step.SKIP
    if chunk not in progress.done:
        return Step.RENDER
    if len(progress.done) >= chunks:
        return Step.FINISH
    return Step.ADVANCE


def subscription_window(window_chunks: int, consumers: int, prefetch: int) -> int:
    """Chunks one subscription keeps queued: `window_chunks` if set, else one chunk for every
    consumer of the work queue and prefetch slot but one (each chunk's rendering already
    uses all of its worker's processes), so one lone batch keeps the whole fleet busy while
    every worker keeps a slot for a newcomer's work; at least two."""
    return window_chunks or max(2, consumers * max(1, prefetch - 1))


def window_size(window_chunks: int, running_batches: int) -> int:
    """One batch's window: the subscription's `window_chunks` shared by its running batches,
    at least one, so every subscription keeps about `window_chunks` chunks queued."""
    return max(1, window_chunks // max(1, running_batches))


def slots_to_fill(window: int, progress: Progress, chunks: int) -> int:
    """How many more chunks to publish so that `window` are published and not done."""
    outstanding = len(set(progress.claims) - progress.done)
    unclaimed = chunks - len(progress.claims)
    return max(0, min(window - outstanding, unclaimed))


def candidates(progress: Progress, chunks: int) -> list[int]:
    """The chunks not yet claimed, in order: the window moves through the batch in order."""
    return [n for n in range(chunks) if n not in progress.claims]
