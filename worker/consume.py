"""The one place that decides ack, requeue or reject for a message, from how its handler ended.

    handler returns                  -> ack
    DropMessage (malformed envelope) -> reject, no requeue (it goes to the dead-letter queue)
    a transient failure (a server or the network is down)
                                     -> retried in place with backoff, then as below
    any other Exception              -> reject with requeue (the delivery limit bounds retries;
                                        RabbitMQ 4.3+ counts rejects but no longer nacks)
    CancelledError                   -> propagates; the broker requeues the unacked message
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import structlog
from aio_pika.abc import AbstractIncomingMessage
from pydantic import ValidationError

from shared.errors import is_transient
from shared.schemas import WorkMessage
from worker.delivery import Delivery
from worker.metrics import WorkerMetrics

log = structlog.get_logger(__name__)
Handler = Callable[[WorkMessage, Delivery], Awaitable[None]]


class DropMessage(Exception):
    """The message can never be processed (e.g. not a work message)."""


class InFlight:
    """Counts messages being handled, so a draining worker knows when it is idle."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def enter(self) -> None:
        self.count += 1
        self._idle.clear()

    def leave(self) -> None:
        self.count -= 1
        if self.count == 0:
            self._idle.set()

    async def wait_idle(self, timeout_s: float) -> bool:
        """True if idle within `timeout_s`; unacked messages otherwise return to the queue."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout_s)
        except TimeoutError:
            return False
        return True


async def with_retries(handler: Handler, message: WorkMessage, delivery: Delivery,
                       retry_s: float) -> None:
    """Run the (idempotent) handler again while a server or the network fails, for up to
    `retry_s`, so an outage of a few seconds does not use up the message's deliveries.
    A retry keeps the delivery's token and may find what its first attempt did."""
    deadline = time.monotonic() + retry_s
    pause_s = 0.5
    while True:
        try:
            await handler(message, delivery)
            return
        except Exception as exc:
            if not is_transient(exc) or time.monotonic() + pause_s > deadline:
                raise
            log.warning("transient failure; retrying", error=repr(exc), pause_s=pause_s)
        delivery = delivery.retry()
        await asyncio.sleep(pause_s)
        pause_s = min(pause_s * 2, 10.0)


def consumer(handler: Handler, metrics: WorkerMetrics, queue: str, in_flight: InFlight,
             retry_s: float = 0.0) -> Callable[[AbstractIncomingMessage], Awaitable[None]]:
    """Wrap `handler` into an aio-pika callback with manual acknowledgement."""

    async def on_message(incoming: AbstractIncomingMessage) -> None:
        started = time.perf_counter()
        metrics.in_flight.inc()
        in_flight.enter()
        action = "requeued"
        structlog.contextvars.bind_contextvars(queue=queue, redelivered=incoming.redelivered)
        try:
            message = _parse(incoming.body)
            structlog.contextvars.bind_contextvars(bulkId=message.bulk_id, chunk=message.chunk,
                                                   kind=message.kind)
            if incoming.redelivered:
                metrics.redeliveries.inc()
            await with_retries(handler, message, Delivery(bool(incoming.redelivered)), retry_s)
            await incoming.ack()
            action = "acked"
        except DropMessage as exc:
            log.error("message rejected", error=str(exc))
            await incoming.reject(requeue=False)
            action = "rejected"
        except Exception:  # every failure is retried, then dead-lettered
            # the traceback goes along as a structured field of the same JSON line
            log.warning("message failed; requeued", exc_info=True)
            await incoming.reject(requeue=True)
        finally:
            duration_s = time.perf_counter() - started
            metrics.in_flight.dec()
            in_flight.leave()
            metrics.messages.labels(queue, action).inc()
            metrics.chunk_duration.observe(duration_s)
            log.info("message handled", action=action, duration_ms=round(duration_s * 1000, 1))
            structlog.contextvars.clear_contextvars()

    return on_message


def _parse(body: bytes) -> WorkMessage:
    try:
        return WorkMessage.from_bytes(body)
    except ValidationError as exc:
        raise DropMessage(f"not a work message: {exc.error_count()} errors") from exc
