"""The worker's webhook side: consume the webhooks queue, and announce completed batches."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import structlog
from aio_pika.abc import AbstractIncomingMessage, AbstractQueue
from pydantic import ValidationError

from shared.errors import is_transient
from shared.orders import Order, find_order
from shared.webhooks.deliver import handle_message
from shared.webhooks.events import COMPLETED, WebhookMessage
from shared.webhooks.publish import publish_event
from worker.consume import InFlight
from worker.deps import Deps

log = structlog.get_logger(__name__)


async def on_completed(deps: Deps, bulk_id: str, completed: Order | None) -> None:
    """Publish `bulk.completed` (confirmed) once the order reads completed. Also called by
    a redelivered assembly that found the order already completed, so a worker that died
    between the status change and this publish still gets the event out."""
    order = completed or await find_order(deps.db, bulk_id)
    if order is not None and order.is_completed:
        await publish_event(deps.topology.work, deps.settings, COMPLETED, order)


async def consume(deps: Deps, in_flight: InFlight) -> tuple[AbstractQueue, str]:
    queue = deps.topology.webhooks
    return queue, await queue.consume(_on_message(deps, in_flight))


def _on_message(deps: Deps, in_flight: InFlight
                ) -> Callable[[AbstractIncomingMessage], Awaitable[None]]:
    """Ack only after the attempt is recorded and any retry or fan-out is confirmed."""

    async def on_message(incoming: AbstractIncomingMessage) -> None:
        in_flight.enter()
        try:
            message = WebhookMessage.from_bytes(incoming.body)
            structlog.contextvars.bind_contextvars(
                queue="webhooks", webhook_kind=message.kind, event=message.key,
                webhook_id=message.webhook_id or None, attempt=message.attempt)
            result = await _with_retries(deps, message)
            await incoming.ack()
            log.info("webhook message handled", result=result)
        except ValidationError as exc:
            log.error("not a webhook message; rejected", errors=exc.error_count())
            await incoming.reject(requeue=False)
        except Exception as exc:  # noqa: BLE001 - given back; the delivery limit bounds it
            log.warning("webhook message failed; requeued", error=repr(exc))
            await incoming.reject(requeue=True)
        finally:
            in_flight.leave()
            structlog.contextvars.clear_contextvars()

    return on_message


async def _with_retries(deps: Deps, message: WebhookMessage) -> str:
    """Retry in place while MongoDB or RabbitMQ fail, for up to transient_retry_s."""
    deadline = time.monotonic() + deps.settings.transient_retry_s
    pause_s = 0.5
    while True:
        try:
            return await handle_message(deps.db, deps.settings, deps.topology.work, message)
        except Exception as exc:
            if not is_transient(exc) or time.monotonic() + pause_s > deadline:
                raise
            log.warning("transient failure; retrying", error=repr(exc), pause_s=pause_s)
        await asyncio.sleep(pause_s)
        pause_s = min(pause_s * 2, 10.0)
