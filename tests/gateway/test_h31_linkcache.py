"""The redirect path's caches: bounded in bytes, with a size estimate that matches memory."""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

from gateway.guesslimit import ENTRY_BYTES, Recent, take_local, tracked_bytes
from gateway.linkcache import NEGATIVE_SHARE, LinkCache
from shared.linkdoc import Link

PAIRS = 5_000


def link_doc(i: int, destination_chars: int = 40) -> dict[str, Any]:
    return {"_id": f"ab{i:07d}", "subscription": f"cust_{i:016x}", "bulkId": f"bulk_{i:032x}",
            "row": i, "createdAt": 1_700_000_000_000 + i, "uid": f"uid-{i}",
            "destination": f"https://example.com/{i}/" + "p" * destination_chars,
            "passwordHashes": [f"hash{i}" * 20],
            "sources": [{"source": f"s{j}", "code": f"cd{i:05d}{j:02d}"} for j in range(2)],
            "editedAt": {"destination": 1_700_000_000_000 + i}}


def measured_bytes_per_entry(cache: LinkCache, count: int, found: bool) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(count):
            cache.put(f"ab{i:07d}", Link.from_doc(link_doc(i)) if found else None)
        gc.collect()
        return (tracemalloc.get_traced_memory()[0] - before) / count
    finally:
        tracemalloc.stop()


def test_the_size_estimate_is_what_the_entries_hold() -> None:
    """Within -10 % and +30 % of what tracemalloc sees (an estimate errs high, not low)."""
    count = 4_000
    found = LinkCache(max_bytes=1 << 34, max_entries=10**6)
    measured = measured_bytes_per_entry(found, count, found=True)
    estimated = found.found_size().size_bytes / count
    assert 0.9 * measured <= estimated <= 1.3 * measured, (measured, estimated)
    missing = LinkCache(max_bytes=1 << 34, max_entries=10**6)
    measured = measured_bytes_per_entry(missing, count, found=False)
    estimated = missing.missing_size().size_bytes / count
    assert 0.9 * measured <= estimated <= 1.3 * measured, (measured, estimated)


def test_links_are_held_within_the_byte_budget_least_recent_out() -> None:
    max_bytes = 1024 * 1024
    cache = LinkCache(max_bytes=max_bytes)
    for i in range(2_000):  # ~2 KB each: ~4 MB offered
        cache.put(f"ab{i:07d}", Link.from_doc(link_doc(i)))
        if i == 10:
            cache.get("ab0000000")  # used again: kept while newer ones are dropped
    size = cache.found_size()
    assert size.size_bytes <= max_bytes - max_bytes // NEGATIVE_SHARE
    assert 300 < size.entries < 2_000
    assert cache.get("ab0001999")[0] and not cache.get("ab0000001")[0]


def test_a_flood_of_unknown_codes_evicts_no_link() -> None:
    max_bytes = 1024 * 1024
    cache = LinkCache(max_bytes=max_bytes)
    for i in range(100):
        cache.put(f"ab{i:07d}", Link.from_doc(link_doc(i)))
    for i in range(50_000):
        cache.put(f"zz{i:07d}", None)
    assert cache.found_size().entries == 100
    assert cache.missing_size().size_bytes <= max_bytes // NEGATIVE_SHARE
    assert cache.get("zz0049999") == (True, None) and not cache.get("zz0000000")[0]


def test_sizes_follow_replacement_invalidation_and_oversize() -> None:
    cache = LinkCache(max_bytes=1024 * 1024)
    link = Link.from_doc(link_doc(1))
    cache.put("ab0000001", None)
    cache.put("ab0000001", link)
    cache.put("ab0000001", link)
    assert cache.missing_size().entries == 0 and cache.found_size().entries == 1
    cache.invalidate("ab0000001")
    assert cache.found_size().size_bytes == 0 and cache.get("ab0000001") == (False, None)
    cache.put("ab0000002", Link.from_doc(link_doc(2, destination_chars=2 * 1024 * 1024)))
    assert cache.found_size().entries == 0  # larger than the whole budget: not kept


def test_password_guesses_are_held_within_their_byte_budget() -> None:
    recent: Recent = {}
    max_bytes = 200 * ENTRY_BYTES
    target = ("203.0.113.9", "ab1234567")
    for i in range(PAIRS):
        take_local(recent, (f"2001:db8::{i:x}", "ab1234567"), 1000.0, max_bytes=max_bytes)
        if i % 100 == 0:
            take_local(recent, target, 1000.0 + i / PAIRS, max_bytes=max_bytes)
        assert tracked_bytes(recent) <= max_bytes
    assert target in recent and len(recent[target]) == 5  # the busy pair is the last out
    assert not take_local(recent, target, 1001.0, max_bytes=max_bytes)


def test_a_tracked_pair_costs_at_most_entry_bytes() -> None:
    recent: Recent = {}
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(PAIRS):
            for n in range(5):
                take_local(recent, (f"2001:db8:ffff:ffff:ffff:ffff:ffff:{i:04x}",
                                    f"ab{i:07d}"), 1000.0 + n)
        gc.collect()
        measured = (tracemalloc.get_traced_memory()[0] - before) / PAIRS
    finally:
        tracemalloc.stop()
    assert 0.6 * ENTRY_BYTES <= measured <= ENTRY_BYTES, (measured, ENTRY_BYTES)
