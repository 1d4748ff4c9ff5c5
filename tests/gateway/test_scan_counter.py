"""A gateway's scan tallies: the batch body a worker validates, and the scans not applied yet."""

from __future__ import annotations

import gc

from gateway.scans import ScanCounter
from shared.analytics.classify import Traits
from shared.analytics.tally import TallyBatch, hour_of

AT_MS = 1_796_310_000_000
PHONE = Traits("mobile", "iOS", "Mobile Safari", "DE", "example.com")
DESK = Traits("desktop", "Linux", "Chrome", "unknown", "direct")


def test_a_taken_batch_is_a_valid_tally_batch_of_what_was_counted() -> None:
    counter = ScanCounter()
    counter.add("abc", AT_MS, "qr_1", "direct", PHONE)
    counter.add("abc", AT_MS + 5, "qr_1", "direct", PHONE)
    counter.add("abc", AT_MS + 9, "qr_1", "src", DESK)
    counter.add("xyz", AT_MS + 1)  # a total without traits
    taken = counter.take()
    assert taken is not None and taken.seq == 1 and taken.counts == {"abc": 3, "xyz": 1}
    batch = TallyBatch.model_validate_json(taken.body)
    assert batch.gateway == counter.gateway and batch.seq == 1
    assert {(e.code, e.count, e.last_scan_ms) for e in batch.links} == {
        ("abc", 3, AT_MS + 9), ("xyz", 1, AT_MS + 1)}
    cells = {(c.record, c.source, c.hour, c.device, c.country, c.count) for c in batch.cells}
    assert cells == {("qr_1", "direct", hour_of(AT_MS), "mobile", "DE", 2),
                     ("qr_1", "src", hour_of(AT_MS), "desktop", "unknown", 1)}
    assert counter.take() is None  # nothing counted since
    counter.add("abc", AT_MS)
    second = counter.take()
    assert second is not None and second.seq == 2


def test_pending_counts_what_the_store_has_not_applied_yet() -> None:
    counter = ScanCounter()
    for _ in range(3):
        counter.add("abc", AT_MS)
    first = counter.take()
    assert first is not None
    counter.sent.append((0.0, first))
    counter.add("abc", AT_MS)
    unsent = counter.take()
    assert unsent is not None
    counter.unsent.append(unsent)
    counter.add("abc", AT_MS)  # still in the tallies
    assert counter.pending("abc", applied_seq=0) == 5
    assert counter.pending("abc", applied_seq=1) == 2  # the first batch is applied
    assert counter.pending("other", applied_seq=0) == 0
    counter.forget_sent(older_than_s=1.0)
    assert counter.sent == []


def test_what_is_kept_between_flushes_is_invisible_to_the_cyclic_collector() -> None:
    counter = ScanCounter()
    for n in range(1000):
        counter.add(f"code{n}", AT_MS, f"qr_{n}", "direct", PHONE)
    taken = counter.take()
    assert taken is not None
    assert not gc.is_tracked(taken.body) and not gc.is_tracked(taken.counts)
