"""The chunk lifecycle's pure decisions, over every order status and progress."""

from __future__ import annotations

import itertools

import pytest

from shared.progress import Progress
from shared.status import OrderStatus
from worker.decide import (
    Step,
    candidates,
    next_step,
    slots_to_fill,
    subscription_window,
    window_size,
)
from worker.delivery import Delivery

CHUNKS = 3
NOT_DONE = Progress(frozenset({1}), {0: "split", 1: "split"})
DONE_NOT_ALL = Progress(frozenset({0, 1}), {0: "split", 1: "split", 2: "chunk:0"})
ALL_DONE = Progress(frozenset({0, 1, 2}), {0: "split", 1: "split", 2: "chunk:0"})
PROGRESS = {"not done": NOT_DONE, "done, others not": DONE_NOT_ALL, "all done": ALL_DONE}
STATUSES: list[OrderStatus | None] = [None, *OrderStatus]


def expected(status: OrderStatus | None, progress: str, may_have_run: bool) -> Step:
    if status is None:
        return Step.SKIP
    if status is not OrderStatus.PROCESSING:
        return Step.TIDY if may_have_run else Step.SKIP
    return {"not done": Step.RENDER, "done, others not": Step.ADVANCE,
            "all done": Step.FINISH}[progress]


@pytest.mark.parametrize(("status", "progress", "may_have_run"),
                         list(itertools.product(STATUSES, PROGRESS, [False, True])))
def test_every_combination(status: OrderStatus | None, progress: str,
                           may_have_run: bool) -> None:
    step = next_step(status, PROGRESS[progress], 0, CHUNKS, may_have_run=may_have_run)
    assert step is expected(status, progress, may_have_run)


def test_a_processing_chunk_renders_whatever_the_delivery() -> None:
    for may_have_run in (False, True):
        assert next_step(OrderStatus.PROCESSING, Progress(), 0, 1,
                         may_have_run=may_have_run) is Step.RENDER


def test_an_ended_batch_is_tidied_only_by_a_delivery_that_may_have_run() -> None:
    ended = OrderStatus.RESULT_DOWNLOADED
    assert next_step(ended, ALL_DONE, 2, CHUNKS, may_have_run=False) is Step.SKIP
    assert next_step(ended, ALL_DONE, 2, CHUNKS, may_have_run=True) is Step.TIDY


def test_the_window_is_shared_by_a_subscriptions_batches() -> None:
    assert window_size(8, 1) == 8
    assert window_size(8, 2) == 4
    assert window_size(8, 3) == 2
    assert window_size(8, 10) == 1  # never zero: every batch moves
    assert window_size(8, 0) == 8


def test_slots_fill_the_window_up_to_the_batch_end() -> None:
    assert slots_to_fill(4, Progress(), 10) == 4  # the split's first window
    assert slots_to_fill(4, Progress(), 2) == 2  # a batch smaller than the window
    steady = Progress(frozenset({0}), dict.fromkeys(range(4), "split"))
    assert slots_to_fill(4, steady, 10) == 1  # one done, one more
    assert slots_to_fill(2, steady, 10) == 0  # the window shrank: publish nothing
    drained = Progress(frozenset(range(4)), dict.fromkeys(range(4), "split"))
    assert slots_to_fill(1, drained, 10) == 1  # nothing outstanding: never stall
    full = Progress(frozenset(range(9)), dict.fromkeys(range(10), "split"))
    assert slots_to_fill(4, full, 10) == 0  # every chunk claimed


def test_candidates_are_the_unclaimed_chunks_in_order() -> None:
    progress = Progress(frozenset(), {0: "split", 1: "split", 3: "chunk:0"})
    assert candidates(progress, 6) == [2, 4, 5]
    assert candidates(Progress(), 2) == [0, 1]


def test_a_delivery_may_have_run_when_redelivered_or_retried() -> None:
    first = Delivery()
    assert not first.may_have_run
    retried = first.retry()
    assert retried.may_have_run and retried.token == first.token and retried.attempt == 1
    assert not retried.redelivered  # a retry does not take over another holder's claims
    assert Delivery(redelivered=True).may_have_run
    assert Delivery().token != first.token


def test_the_automatic_window_lets_one_batch_use_every_consumer() -> None:
    assert subscription_window(0, consumers=10, prefetch=2) == 10  # a slot each kept free
    assert subscription_window(0, consumers=10, prefetch=4) == 30
    assert subscription_window(0, consumers=10, prefetch=1) == 10
    assert subscription_window(0, consumers=0, prefetch=2) == 2  # not counted yet
    assert subscription_window(6, consumers=10, prefetch=2) == 6  # set: fixed
