"""Counts the messages a worker is handling, so a draining worker knows when it is idle."""

from __future__ import annotations

import asyncio


class InFlight:
    """Messages being handled now, on every queue the worker consumes."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def enter(self) -> None:
        self.count += 1
        self._idle.clear()

    def leave(self) -> None:
        self.count -= 1
        if self.count == 0:
            self._idle.set()

    async def wait_idle(self, timeout_s: float) -> bool:
        """True if idle within `timeout_s`; unacked messages otherwise return to the queue."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout_s)
        except TimeoutError:
            return False
        return True
