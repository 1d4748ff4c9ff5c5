"""The consume table: which failure becomes which broker action, under each queue's policy."""

from __future__ import annotations

from concurrent.futures import BrokenExecutor

import aiohttp
import pytest
from aiormq.exceptions import AMQPConnectionError, ChannelInvalidStateError

from shared.errors import (
    AlreadyExists,
    BadRequest,
    BrokerUnavailable,
    IllegalTransition,
    MessageInvalid,
    NotScannable,
    ObjectMissing,
    ObjectStoreUnavailable,
    PublishFailed,
    RowInvalid,
    StoreUnavailable,
    Superseded,
)
from shared.renderpool import RenderCrashed
from worker.policy import TABLE, Outcome, decide, outcome_of
from worker.queues import policies

CHUNKS, SCANS = policies(120.0)["chunks"], policies(120.0)["scans"]


@pytest.mark.parametrize(("exc", "outcome"), [
    (MessageInvalid("not a work message: 2 errors"), Outcome.DEAD_LETTER),
    (Superseded("completed meanwhile"), Outcome.ACK),
    (StoreUnavailable("MongoDB: down"), Outcome.RETRY),
    (BrokerUnavailable("RabbitMQ: closed"), Outcome.RETRY),
    (PublishFailed("not confirmed"), Outcome.RETRY),
    (ObjectStoreUnavailable("S3: 503"), Outcome.RETRY),
    (ConnectionResetError("reset"), Outcome.RETRY),
    (TimeoutError(), Outcome.RETRY),
    (ValueError("a bug"), Outcome.REQUEUE),
    (KeyError("rows"), Outcome.REQUEUE),
    (RowInvalid("bad row"), Outcome.REQUEUE),
    (NotScannable("did not read back"), Outcome.REQUEUE),
    (IllegalTransition("completed -> processing"), Outcome.REQUEUE),
    (AlreadyExists("taken"), Outcome.REQUEUE),
    (ObjectMissing("no such key"), Outcome.REQUEUE),
    (BadRequest("no"), Outcome.REQUEUE),
    (RenderCrashed("a render process died"), Outcome.REQUEUE),
    (BrokenExecutor(), Outcome.REQUEUE),
])
def test_each_error_has_one_outcome(exc: Exception, outcome: Outcome) -> None:
    assert outcome_of(exc) is outcome


@pytest.mark.parametrize("exc", [
    AMQPConnectionError("refused"),  # an aio-pika/aiormq exception its adapter missed
    ChannelInvalidStateError("closed"),
    aiohttp.ClientConnectionError("S3 went away"),  # likewise the S3 client's
])
def test_a_driver_exception_is_judged_as_the_adapter_names_it(exc: Exception) -> None:
    assert outcome_of(exc) is Outcome.RETRY


def test_the_table_ends_with_every_exception_given_back() -> None:
    kinds = [kind for kind, _ in TABLE]
    assert kinds[-1] is Exception and TABLE[-1][1] is Outcome.REQUEUE
    # A catch-all before a narrower entry would shadow it.
    for i, kind in enumerate(kinds):
        assert not any(issubclass(later, kind) for later in kinds[i + 1:]), kind


def test_actions_are_the_metric_labels_the_alerts_read() -> None:
    settled = {outcome.value for outcome in Outcome if outcome is not Outcome.RETRY}
    assert settled == {"acked", "requeued", "rejected"}


@pytest.mark.parametrize(("exc", "fits", "outcome"), [
    (StoreUnavailable("down"), True, Outcome.RETRY),
    (StoreUnavailable("down"), False, Outcome.REQUEUE),  # the budget is spent: give it back
    (ValueError("a bug"), True, Outcome.REQUEUE),  # not retried in place on a work queue
    (MessageInvalid("garbage"), True, Outcome.DEAD_LETTER),
    (Superseded("done elsewhere"), True, Outcome.ACK),
])
def test_a_work_queue_retries_only_server_failures(exc: Exception, fits: bool,
                                                   outcome: Outcome) -> None:
    assert decide(exc, CHUNKS, retry_fits=fits) is outcome


@pytest.mark.parametrize(("exc", "fits", "outcome"), [
    (StoreUnavailable("down"), True, Outcome.RETRY),
    (ValueError("a bug"), True, Outcome.RETRY),  # a later batch must not overtake it
    (ValueError("a bug"), False, Outcome.REQUEUE),
    (MessageInvalid("garbage"), True, Outcome.DEAD_LETTER),  # still never retried
    (Superseded("done elsewhere"), True, Outcome.ACK),
])
def test_the_scans_queue_retries_every_failure_in_place(exc: Exception, fits: bool,
                                                        outcome: Outcome) -> None:
    assert decide(exc, SCANS, retry_fits=fits) is outcome


def test_pauses_double_up_to_the_cap() -> None:
    assert [CHUNKS.pause_s(n) for n in range(7)] == [0.5, 1, 2, 4, 8, 10, 10]
    assert CHUNKS.pause_s(10_000) == 10


def test_the_scans_queue_pauses_a_second_and_takes_turns() -> None:
    assert {SCANS.pause_s(n) for n in range(5)} == {1.0}
    assert SCANS.one_at_a_time and SCANS.queue == "scans" and not SCANS.timed_as_chunk
    assert not CHUNKS.one_at_a_time and not CHUNKS.retry_every_failure


def test_every_queue_has_its_policy_under_its_label() -> None:
    table = policies(7.0)
    assert set(table) == {"chunks", "dead", "scans", "webhooks"}
    assert all(policy.queue == label and policy.retry_for_s == 7.0
               for label, policy in table.items())
    assert {label for label, policy in table.items() if policy.timed_as_chunk} == {
        "chunks", "dead"}
