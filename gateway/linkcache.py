"""A bounded per-process cache of short-link lookups, including negative answers."""

from __future__ import annotations

import time
from collections import OrderedDict

from shared.linkdoc import Link


class LinkCache:
    """LRU with a time limit; entries are dropped early when a link changes (invalidate)."""

    def __init__(self, max_entries: int = 100_000, ttl_s: float = 300.0,
                 negative_ttl_s: float = 5.0) -> None:
        self._entries: OrderedDict[str, tuple[float, Link | None]] = OrderedDict()
        self._max, self._ttl_s, self._negative_ttl_s = max_entries, ttl_s, negative_ttl_s

    def get(self, code: str) -> tuple[bool, Link | None]:
        entry = self._entries.get(code)
        if entry is None or entry[0] < time.monotonic():
            return False, None
        self._entries.move_to_end(code)
        return True, entry[1]

    def put(self, code: str, link: Link | None) -> None:
        ttl_s = self._ttl_s if link is not None else self._negative_ttl_s
        self._entries[code] = (time.monotonic() + ttl_s, link)
        self._entries.move_to_end(code)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def invalidate(self, code: str) -> None:
        self._entries.pop(code, None)

    def clear(self) -> None:
        self._entries.clear()
