"""The one consume wrapper, through which every queue's deliveries pass.

Each delivery is parsed, handled, retried in place and settled by the table of
worker/policy.py. Every queue gets the same: the in-flight count a draining worker waits on, the
`bulkqr_messages_total{queue, action}` and redelivery counts, the in-flight gauge, log
context bound per message, and one canonical `message handled` line with its action and
duration. A handler only raises; it never acks, requeues or rejects.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import structlog
from aio_pika.abc import AbstractIncomingMessage, AbstractQueue
from pydantic import ValidationError

from shared.errors import MessageInvalid
from worker.delivery import Delivery
from worker.inflight import InFlight
from worker.metrics import WorkerMetrics
from worker.policy import Outcome, Policy, decide

log = structlog.get_logger(__name__)
M = TypeVar("M")
Handler = Callable[[M, Delivery], Awaitable[None]]
Callback = Callable[[AbstractIncomingMessage], Awaitable[None]]


@dataclass(frozen=True)
class Parser(Generic[M]):
    """How one queue's bodies become messages, and the log fields each message binds."""

    name: str  # what a body must be, for the rejection's log line
    decode: Callable[[bytes], M]  # a pydantic model's validation of the JSON body
    describe: Callable[[M], dict[str, object]]

    def parse(self, body: bytes) -> M:
        try:
            return self.decode(body)
        except ValidationError as exc:
            raise MessageInvalid(f"not {self.name}: {exc.error_count()} errors") from exc


@dataclass(frozen=True)
class Tracking:
    """Where the deliveries of every queue are counted: the metrics and the drain's count."""

    metrics: WorkerMetrics
    in_flight: InFlight

    def enter(self) -> None:
        self.metrics.in_flight.inc()
        self.in_flight.enter()

    def leave(self, policy: Policy, action: Outcome, duration_s: float) -> None:
        """Counted and timed before the gauge drops, so a scrape that finds the worker idle
        finds every message it handled counted."""
        self.metrics.messages.labels(policy.queue, action.value).inc()
        if policy.timed_as_chunk:
            self.metrics.chunk_duration.observe(duration_s)
        self.metrics.in_flight.dec()
        self.in_flight.leave()
        log.info("message handled", action=action.value,
                 duration_ms=round(duration_s * 1000, 1))


@dataclass(frozen=True)
class Consuming:
    """A queue being consumed, by its consumer tag."""

    queue: AbstractQueue
    tag: str

    async def cancel(self) -> None:
        """Take no more deliveries; those in hand are still handled and settled."""
        await self.queue.cancel(self.tag)


async def consume(queue: AbstractQueue, parser: Parser[M], handler: Handler[M], policy: Policy,
                  tracking: Tracking) -> Consuming:
    """Consume `queue` with manual acknowledgement, each delivery through `handler`."""
    return Consuming(queue, await queue.consume(callback(parser, handler, policy, tracking)))


def callback(parser: Parser[M], handler: Handler[M], policy: Policy,
             tracking: Tracking) -> Callback:
    """The aio-pika callback of one queue."""
    turn = _turns(policy)

    async def on_message(incoming: AbstractIncomingMessage) -> None:
        started = time.perf_counter()
        tracking.enter()
        structlog.contextvars.bind_contextvars(queue=policy.queue,
                                               redelivered=incoming.redelivered)
        action = Outcome.REQUEUE  # what the broker does with a message left unsettled
        try:
            async with turn:
                outcome = await _handle(incoming, parser, handler, policy, tracking.metrics)
            if await _settle(incoming, outcome):
                action = outcome
        finally:
            tracking.leave(policy, action, time.perf_counter() - started)
            structlog.contextvars.clear_contextvars()

    return on_message


def _turns(policy: Policy) -> contextlib.AbstractAsyncContextManager[None]:
    """What a delivery holds while it is handled: a fair lock, so deliveries are handled in
    turn and in the order they came, or nothing."""
    if policy.one_at_a_time:
        return asyncio.Lock()
    return contextlib.nullcontext()


async def _handle(incoming: AbstractIncomingMessage, parser: Parser[M], handler: Handler[M],
                  policy: Policy, metrics: WorkerMetrics) -> Outcome:
    try:
        message = parser.parse(incoming.body)
    except MessageInvalid as exc:  # never retried: the body will not change
        return _failed(exc, decide(exc, policy, retry_fits=False))
    structlog.contextvars.bind_contextvars(**parser.describe(message))
    if incoming.redelivered:
        metrics.redeliveries.inc()
    return await _run(handler, message, Delivery(bool(incoming.redelivered)), policy)


async def _run(handler: Handler[M], message: M, delivery: Delivery, policy: Policy) -> Outcome:
    """Run the (idempotent) handler, again in place while the table says retry and the
    policy's budget lasts, so an outage of a few seconds does not use up the message's
    deliveries. A retry keeps the delivery's token and may find what its first attempt did."""
    deadline = time.monotonic() + policy.retry_for_s
    while True:
        try:
            await handler(message, delivery)
        except Exception as exc:  # noqa: BLE001 - the table judges it (not CancelledError)
            pause_s = policy.pause_s(delivery.attempt)
            outcome = decide(exc, policy, retry_fits=time.monotonic() + pause_s <= deadline)
            if outcome is not Outcome.RETRY:
                return _failed(exc, outcome)
            log.warning("handler failed; retrying in place", error=repr(exc), pause_s=pause_s)
            await asyncio.sleep(pause_s)
            delivery = delivery.retry()
        else:
            return Outcome.ACK


def _failed(exc: Exception, outcome: Outcome) -> Outcome:
    """Log why a delivery ends as it does; the traceback is a field of the same JSON line."""
    if outcome is Outcome.ACK:
        log.info("message dropped", reason=str(exc))
    elif outcome is Outcome.DEAD_LETTER:
        log.error("message rejected", error=str(exc))
    else:
        log.warning("message failed; requeued", exc_info=exc)
    return outcome


async def _settle(incoming: AbstractIncomingMessage, outcome: Outcome) -> bool:
    """Tell the broker; False if the channel the message came on is gone, and with it the
    message (the broker gives it back)."""
    try:
        if outcome is Outcome.ACK:
            await incoming.ack()
        else:
            await incoming.reject(requeue=outcome is Outcome.REQUEUE)
    except Exception:  # its channel closed (a broker restart): nothing left to tell
        log.warning("message not settled; the broker gives it back", exc_info=True)
        return False
    return True
