"""Backoff schedules: the vendor's polling cadence, bounded jitter, and the retry budget."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable

import pytest

from client.policy import POLL, Backoff, RetryPolicy


def test_poll_schedule_starts_at_2s_and_levels_off_at_30s() -> None:
    assert list(itertools.islice(POLL.nominal(), 6)) == [2.0, 5.0, 12.5, 30.0, 30.0, 30.0]


def test_jitter_stays_within_its_band_and_under_the_cap() -> None:
    delays = list(itertools.islice(POLL.delays(random.Random(7)), 200))
    nominal = list(itertools.islice(POLL.nominal(), 200))
    for delay, planned in zip(delays, nominal, strict=True):
        assert planned * 0.8 <= delay <= min(30.0, planned * 1.2)
    assert len({round(d, 6) for d in delays[3:]}) > 100  # spread, not in lock-step
    assert delays == list(itertools.islice(POLL.delays(random.Random(7)), 200))


def test_no_jitter_gives_the_plain_schedule() -> None:
    steady = Backoff(0.01, 0.04, factor=2.0, jitter=0.0)
    assert list(itertools.islice(steady.delays(), 5)) == [0.01, 0.02, 0.04, 0.04, 0.04]


def test_retry_budget_and_retry_after() -> None:
    policy = RetryPolicy(attempts=4, backoff=Backoff(0.5, 8.0, 2.0, 0.0))
    assert list(policy.delays()) == [0.5, 1.0, 2.0]
    assert list(RetryPolicy(attempts=1).delays()) == []
    assert policy.pause_s(0.5, None) == 0.5
    assert policy.pause_s(0.5, 5.0) == 5.0
    assert policy.pause_s(0.5, 3600.0) == policy.max_retry_after_s


@pytest.mark.parametrize("bad", [
    lambda: Backoff(5.0, 1.0), lambda: Backoff(1.0, 2.0, factor=0.5),
    lambda: Backoff(1.0, 2.0, jitter=1.0), lambda: RetryPolicy(attempts=0),
])
def test_nonsense_policies_are_refused(bad: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        bad()
