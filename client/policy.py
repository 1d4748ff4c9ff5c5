"""Backoff schedules: how often `wait` polls and how a failed safe call is retried."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Backoff:
    """Delays that start at `first_s`, grow by `factor` and level off at `max_s`.

    Each delay is spread by ±`jitter` (a fraction) so that many clients started together
    do not poll in step; no delay is ever above `max_s`.
    """

    first_s: float
    max_s: float
    factor: float = 2.0
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if not 0 <= self.first_s <= self.max_s:
            raise ValueError("need 0 <= first_s <= max_s")
        if self.factor < 1 or not 0 <= self.jitter < 1:
            raise ValueError("need factor >= 1 and 0 <= jitter < 1")

    def nominal(self) -> Iterator[float]:
        """The schedule before jitter: first_s, first_s·factor, … up to max_s, forever."""
        delay = self.first_s
        while True:
            yield delay
            delay = min(self.max_s, delay * self.factor)

    def delays(self, rng: random.Random | None = None) -> Iterator[float]:
        """The schedule with jitter, forever; pass a seeded `rng` for a repeatable one."""
        pick = rng or random.Random()
        for delay in self.nominal():
            spread = delay * self.jitter
            yield min(self.max_s, max(0.0, delay + pick.uniform(-spread, spread)))


# Polling as the vendor advises: 2 s at first, then about 5, 12 and 30 s.
POLL = Backoff(first_s=2.0, max_s=30.0, factor=2.5, jitter=0.2)


@dataclass(frozen=True)
class RetryPolicy:
    """How often a safe call (a GET, or a submit with its Idempotency-Key) is tried."""

    attempts: int = 4
    backoff: Backoff = field(default_factory=lambda: Backoff(0.5, 8.0, 2.0, 0.5))
    max_retry_after_s: float = 60.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts counts the first try, so it is at least 1")

    def delays(self, rng: random.Random | None = None) -> Iterator[float]:
        """One delay before each retry: `attempts - 1` of them."""
        return itertools.islice(self.backoff.delays(rng), self.attempts - 1)

    def pause_s(self, delay_s: float, retry_after_s: float | None) -> float:
        """The backoff delay, or longer when the server asked for it (within reason)."""
        if retry_after_s is None:
            return delay_s
        return max(delay_s, min(retry_after_s, self.max_retry_after_s))


NO_RETRY = RetryPolicy(attempts=1)
