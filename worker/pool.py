"""Render in a pool of processes, so CPU-bound drawing never blocks the event loop or heartbeats."""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

from shared.render import RenderJob, render_batch


class ProcessRenderer:
    """Spreads each chunk's jobs over `processes` worker processes."""

    def __init__(self, processes: int = 0) -> None:
        self.processes = processes or os.cpu_count() or 1
        # spawn, not fork: the parent runs threads (PyMongo's monitors) that fork would copy.
        self._pool = ProcessPoolExecutor(self.processes, initializer=_start_render_process,
                                         initargs=(os.getpid(),),
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

PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_POLL_S = 1.0


def _start_render_process(parent_pid: int) -> None:
    """Runs first in each render process: ignore Ctrl-C (it reaches the whole process
    group; only the worker decides to stop) and die with the worker, however it dies.

    The kernel's parent-death signal covers SIGKILL of the worker; a thread that watches
    the parent pid covers what it misses (not Linux, or the parent died before prctl).
    Once no render process is left, the resource tracker sees its pipe close and exits.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    threading.Thread(target=_die_with, args=(parent_pid,), name="parent-watch",
                     daemon=True).start()


def _die_with(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_S)
    os.kill(os.getpid(), signal.SIGKILL)
