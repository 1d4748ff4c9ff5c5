"""What the broker is told about a message, from how its handling ended: one table.

Each queue's policy (retry budget, pauses, ordering) applies around it. Pure: no I/O.

    handler returns                              -> ack
    MessageInvalid (not a message of its queue)  -> reject, no requeue: dead-lettered where
                                                    the queue has a dead-letter exchange
    UnknownImageFormat (the renderer made an     -> the same, at once: no delivery can put
      image the ZIP's table does not know)          it in the chunk's ZIP part
    Superseded (other deliveries did the work)   -> ack
    a server or the network failed               -> retried in place with pauses while the
                                                    policy's budget lasts, then requeued
    any other Exception                          -> reject with requeue (the queue's delivery
                                                    limit bounds it, then dead-letters it;
                                                    RabbitMQ 4.3+ counts rejects, not nacks)
    CancelledError                               -> never caught: it propagates and the broker
                                                    requeues the unacked message

A policy may retry every failure in place, not only a server's (the scans queue, where a
later batch must not overtake an earlier one).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shared.drivers import translate
from shared.errors import MessageInvalid, ServerUnavailable, Superseded
from shared.formats.archive import UnknownImageFormat


class Outcome(StrEnum):
    """What becomes of a delivery; but for RETRY, the values are the metric's `action`."""

    ACK = "acked"
    RETRY = "retried"  # the handler runs again in place, after a pause
    REQUEUE = "requeued"  # reject with requeue: back to the queue, counted by its limit
    DEAD_LETTER = "rejected"  # reject without requeue: to the dead-letter exchange, if any


# First match wins; an exception is judged as the project names it (a driver exception
# that escaped its adapter is translated first, shared/drivers.py).
TABLE: tuple[tuple[type[BaseException], Outcome], ...] = (
    (MessageInvalid, Outcome.DEAD_LETTER),
    (UnknownImageFormat, Outcome.DEAD_LETTER),
    (Superseded, Outcome.ACK),
    (ServerUnavailable, Outcome.RETRY),
    (ConnectionError, Outcome.RETRY),
    (TimeoutError, Outcome.RETRY),
    (Exception, Outcome.REQUEUE),
)


def outcome_of(exc: Exception) -> Outcome:
    """The table's outcome for a handler that raised `exc`."""
    named = translate(exc)
    return next((outcome for kind, outcome in TABLE if isinstance(named, kind)),
                Outcome.REQUEUE)


@dataclass(frozen=True)
class Policy:
    """How one queue's deliveries are handled around the table."""

    queue: str  # the `queue` label of its metrics and log lines
    retry_for_s: float  # in-place retries stop when the next pause would end past this
    first_pause_s: float = 0.5
    max_pause_s: float = 10.0  # pauses double from the first up to this
    # Scans: a later batch must never overtake an earlier one, so every failure is
    # retried in place, not only a server's, before the message is given back.
    retry_every_failure: bool = False
    one_at_a_time: bool = False  # deliveries are handled in turn, in the order they came
    timed_as_chunk: bool = False  # its durations are bulkqr_chunk_duration_seconds

    def pause_s(self, attempt: int) -> float:
        """The pause after in-place attempt number `attempt` (0 is the first run) failed."""
        return min(self.first_pause_s * 2.0 ** min(attempt, 32), self.max_pause_s)


def decide(exc: Exception, policy: Policy, *, retry_fits: bool) -> Outcome:
    """The outcome for `exc` under `policy`; `retry_fits` says whether one more pause and
    attempt still fit in the policy's retry budget."""
    outcome = outcome_of(exc)
    if outcome is Outcome.REQUEUE and policy.retry_every_failure:
        outcome = Outcome.RETRY
    if outcome is Outcome.RETRY and not retry_fits:
        return Outcome.REQUEUE
    return outcome
