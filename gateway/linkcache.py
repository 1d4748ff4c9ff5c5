"""A per-process cache of short-link lookups (found and not found), bounded in entries and bytes."""

from __future__ import annotations

import dataclasses
import sys
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from shared.linkdoc import Link

DEFAULT_MAX_BYTES = 32 * 1024 * 1024  # Settings.link_cache_max_bytes's default
# Unknown codes get an eighth of the bytes, in an LRU of their own: a flood of them (anyone
# can send one) can never push out the links that real scans are using.
NEGATIVE_SHARE = 8
# What CPython spends per entry besides the key and the link: the OrderedDict's slot and
# node (~120 bytes, measured with tracemalloc) and the (expiry, link, size) tuple with its
# float and int.
ENTRY_OVERHEAD_BYTES = 120 + sys.getsizeof((0.0, None, 0)) + sys.getsizeof(0.0) + 32
# A dataclass instance keeps its attribute values in an array beside the object (CPython
# 3.11's inline values), which sys.getsizeof leaves out: a header and one pointer a field.
VALUES_HEADER_BYTES, VALUE_SLOT_BYTES = 24, 8


def deep_size_bytes(value: object) -> int:
    """What `value` holds in memory, following strings, numbers, tuples, lists, mappings and
    dataclass fields. Shared singletons (None, True, False) cost nothing. (Not `vars()`:
    asking an instance for its __dict__ makes CPython build one, ~200 bytes a link.)"""
    if value is None or isinstance(value, bool):
        return 0
    size = sys.getsizeof(value)
    if isinstance(value, tuple | list):
        return size + sum(deep_size_bytes(item) for item in value)
    if isinstance(value, Mapping):
        return size + sum(deep_size_bytes(k) + deep_size_bytes(v) for k, v in value.items())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return (size + VALUES_HEADER_BYTES + VALUE_SLOT_BYTES * len(fields)
                + sum(deep_size_bytes(getattr(value, field.name)) for field in fields))
    return size


def entry_bytes(code: str, link: Link | None) -> int:
    """The memory one cached answer costs: its key, its link and the cache's own overhead."""
    return ENTRY_OVERHEAD_BYTES + sys.getsizeof(code) + deep_size_bytes(link)


@dataclass(frozen=True)
class CacheSize:
    entries: int
    size_bytes: int


class _Lru:
    """Least recently used first out, each entry valid for `ttl_s`, bounded in entries and
    in estimated bytes."""

    def __init__(self, max_entries: int, max_bytes: int, ttl_s: float) -> None:
        self._entries: OrderedDict[str, tuple[float, Link | None, int]] = OrderedDict()
        self._max_entries, self._max_bytes, self._ttl_s = max_entries, max_bytes, ttl_s
        self.size_bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, code: str) -> tuple[bool, Link | None]:
        entry = self._entries.get(code)
        if entry is None:
            return False, None
        if entry[0] < time.monotonic():
            self.pop(code)
            return False, None
        self._entries.move_to_end(code)
        return True, entry[1]

    def put(self, code: str, link: Link | None) -> None:
        self.pop(code)
        size_bytes = entry_bytes(code, link)
        if size_bytes > self._max_bytes:
            return  # would not fit even alone
        self._entries[code] = (time.monotonic() + self._ttl_s, link, size_bytes)
        self.size_bytes += size_bytes
        while len(self._entries) > self._max_entries or self.size_bytes > self._max_bytes:
            _, (_, _, dropped_bytes) = self._entries.popitem(last=False)
            self.size_bytes -= dropped_bytes

    def pop(self, code: str) -> None:
        entry = self._entries.pop(code, None)
        if entry is not None:
            self.size_bytes -= entry[2]

    def clear(self) -> None:
        self._entries.clear()
        self.size_bytes = 0


class LinkCache:
    """Links found (kept `ttl_s`) and codes not found (kept `negative_ttl_s`), in two LRUs
    that share `max_bytes`; entries are dropped early when a link changes (invalidate)."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES, max_entries: int = 100_000,
                 ttl_s: float = 300.0, negative_ttl_s: float = 5.0) -> None:
        missing_bytes = max_bytes // NEGATIVE_SHARE
        self._found = _Lru(max_entries, max_bytes - missing_bytes, ttl_s)
        self._missing = _Lru(max_entries, missing_bytes, negative_ttl_s)

    def get(self, code: str) -> tuple[bool, Link | None]:
        hit, link = self._found.get(code)
        return (hit, link) if hit else self._missing.get(code)

    def put(self, code: str, link: Link | None) -> None:
        self.invalidate(code)
        (self._found if link is not None else self._missing).put(code, link)

    def invalidate(self, code: str) -> None:
        self._found.pop(code)
        self._missing.pop(code)

    def clear(self) -> None:
        self._found.clear()
        self._missing.clear()

    def found_size(self) -> CacheSize:
        return CacheSize(len(self._found), self._found.size_bytes)

    def missing_size(self) -> CacheSize:
        return CacheSize(len(self._missing), self._missing.size_bytes)
