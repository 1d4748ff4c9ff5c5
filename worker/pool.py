"""Render in a pool of processes, so CPU-bound drawing never blocks the event loop or heartbeats."""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor

from shared.logging import configure_logging
from shared.render import RenderJob, render_batch


class ProcessRenderer:
    """Spreads each chunk's jobs over `processes` worker processes."""

    def __init__(self, processes: int = 0, log_level: str = "info",
                 log_json: bool | None = None) -> None:
        self.processes = processes or os.cpu_count() or 1
        # spawn, not fork: the parent runs threads (PyMongo's monitors) that fork would copy.
        self._pool = ProcessPoolExecutor(self.processes, initializer=_serve_parent,
                                         initargs=(os.getpid(), log_level, log_json),
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
            for process in multiprocessing.active_children():
                process.terminate()
        self._pool.shutdown(wait=wait, cancel_futures=True)


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _serve_parent(parent_pid: int, log_level: str, log_json: bool | None) -> None:
    """Run in each render process first: it lives and stops with its worker.

    Ctrl-C reaches the whole process group, but only the worker decides to stop; and if
    the worker dies, however it dies, the kernel kills this process too (Linux's
    parent-death signal), so no render process outlives it holding ~70 MB. A worker that
    died before the signal was armed is caught by the parent check that follows it.
    (The signal follows the thread that started the process: the pool starts them from
    the event loop's thread, which lives as long as the worker.)
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure_logging(log_level, log_json)  # a warning from a render process is JSON too
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent_pid:
        os._exit(1)
