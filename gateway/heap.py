"""Give the heap that big request bodies used back to the system once none is held.

glibc keeps freed memory for reuse: after a burst of big bodies the gateway's resident
size would stay near its peak (its mmap threshold grows to the largest block freed, so
later body-sized buffers and chunk texts come from heaps that are only trimmed at their
top). `malloc_trim(0)` returns every free page of every heap; it runs in a thread (ctypes
releases the GIL), at most once per quiet moment. Elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
from collections.abc import Callable

TRIM_AFTER_S = 0.5  # after the last big body is let go, so a busy stream trims once


def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    return trim


class HeapTrimmer:
    def __init__(self) -> None:
        self._trim = _malloc_trim()
        self._pending: asyncio.TimerHandle | None = None

    def soon(self) -> None:
        """Trim TRIM_AFTER_S from now, unless asked again before then."""
        if self._trim is None:
            return
        loop = asyncio.get_running_loop()
        if self._pending is not None:
            self._pending.cancel()
        self._pending = loop.call_later(TRIM_AFTER_S, self._start)

    def cancel(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def _start(self) -> None:
        self._pending = None
        if self._trim is not None:
            # Fire and forget: a trim that fails or is slow changes nothing for a request.
            asyncio.get_running_loop().run_in_executor(None, self._trim, 0)
