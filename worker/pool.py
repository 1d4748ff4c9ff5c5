"""Render in a pool of processes, so CPU-bound drawing never blocks the event loop or heartbeats."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor

from shared.render import RenderJob, render_batch


class ProcessRenderer:
    """Spreads each chunk's jobs over `processes` worker processes."""

    def __init__(self, processes: int = 0) -> None:
        self.processes = processes or os.cpu_count() or 1
        # spawn, not fork: the parent runs threads (PyMongo's monitors) that fork would copy.
        self._pool = ProcessPoolExecutor(self.processes, initializer=_ignore_interrupts,
                                         mp_context=multiprocessing.get_context("spawn"))

    async def render(self, jobs: list[RenderJob], verify: bool = False
                     ) -> list[tuple[bool, str]]:
        if not jobs:
            return []
        loop = asyncio.get_running_loop()
        size = -(-len(jobs) // self.processes)
        parts = [jobs[i:i + size] for i in range(0, len(jobs), size)]
        results = await asyncio.gather(
            *(loop.run_in_executor(self._pool, render_batch, part, verify) for part in parts)
        )
        return [item for part in results for item in part]

    def close(self, *, wait: bool = True) -> None:
        """Stop the pool; without `wait`, abandon the batch being drawn (its message goes
        back to the queue) so a timed-out drain does not overrun its grace period."""
        if not wait:
            for process in list(self._pool._processes.values()):
                process.terminate()
        self._pool.shutdown(wait=wait, cancel_futures=True)



def _ignore_interrupts() -> None:
    """Ctrl-C reaches the whole process group; only the worker itself decides to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
